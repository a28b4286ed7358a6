#!/usr/bin/env bash
# Import benchmark: `headroom-trainer import --format bitbrains` against a Python peer
# (stdlib csv + sqlite3 executemany, bench/import/peer_python.py), in the same run.
#
# Input: the Bitbrains GWA-T-12 "Rnd" set, 500 CSVs (~4.1 M rows, VMs 1–250, 2013-07
# and 2013-08), extracted once to a scratch directory. Each round runs, in this order:
#   (a) ours    from the extracted directory of CSVs   (apples to apples with the peer)
#   (b) ours    end to end from the .tar.zst            (zstd decompression included)
#   (c) peer    from the extracted directory of CSVs
# each into a fresh database file in the same scratch directory (a disk file system,
# never tmpfs, so the WAL's fsyncs cost what they cost). The page cache is warm for all:
# the CSVs and the archive were just read. `sync` runs, untimed, before each import so
# one run's dirty pages are not written back during the next one.
#
# After each round the databases are compared (bench/import/compare.py: counts, column
# sums, limits, every row of a few workloads); any difference fails the run.
# The results go to stdout and to the section "Import: Bitbrains GWA-T-12, 500 files"
# of BENCHMARKS.md at the package root (the rest of that file is kept).
#
# Usage: bench/import/run.sh              (ROUNDS=3 by default)
#        ROUNDS=5 bench/import/run.sh
# Environment: ROUNDS, DATASET (the .tar.zst), BENCH_TMPDIR (scratch parent; default
# /tmp, or bench/import/.scratch when /tmp is a tmpfs), PYTHON (default python3),
# WAIT_FOR_QUIET=SECONDS (on a shared machine: before each import, wait up to that long
# for 10 s in which other jobs use under 10 % of the CPUs; default 0, no waiting).
# The CPU time other jobs used during each timed run is measured and reported either way.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
DATASET="${DATASET:-/work/shared/datasets/bitbrains-rnd-vm001-250-2013-07-08.tar.zst}"
PYTHON="${PYTHON:-python3}"
PREFIX="bb-"

die() { echo "run.sh: error: $*" >&2; exit 1; }

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ -r "$DATASET" ]] || die "dataset not found: $DATASET (set DATASET=PATH to the Bitbrains .tar.zst)"
command -v zstd >/dev/null || die "zstd is not installed (Debian package zstd)"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set PYTHON=...)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time is not installed (Debian package time)"

# --- build ------------------------------------------------------------------------------
echo "== building headroom-trainer (release)" >&2
(cd "$ROOT" && swift build -c release --product headroom-trainer) >&2
BIN="$(cd "$ROOT" && swift build -c release --product headroom-trainer --show-bin-path)/headroom-trainer"
[[ -x "$BIN" ]] || die "no binary at $BIN after the build"

# --- scratch space on a disk file system -------------------------------------------------
PARENT="${BENCH_TMPDIR:-/tmp}"
if [[ -z "${BENCH_TMPDIR:-}" && "$(stat -f -c %T /tmp)" == "tmpfs" ]]; then
    PARENT="$HERE/.scratch"
    mkdir -p "$PARENT"
fi
WORK="$(mktemp -d "$PARENT/headroom-import-bench.XXXXXX")"
cleanup() { rm -rf "$WORK"; rmdir "$HERE/.scratch" 2>/dev/null || true; }
trap cleanup EXIT
FS_TYPE="$(stat -f -c %T "$WORK")"
[[ "$FS_TYPE" == "tmpfs" ]] && echo "warning: $WORK is on tmpfs: fsync is free there" >&2

echo "== extracting $(basename "$DATASET") to $WORK/csv ($FS_TYPE)" >&2
mkdir -p "$WORK/csv"
zstd -dc -- "$DATASET" | tar -x -C "$WORK/csv"
FILES="$(find "$WORK/csv" -type f -name '*.csv' | wc -l)"
[[ "$FILES" -gt 0 ]] || die "no CSV files in $DATASET"

RESULTS="$WORK/results.tsv"   # round, case, wall_s, user_s, sys_s, max_rss_kb, samples, internal_s, loadavg1, others_cpu_s
: >"$RESULTS"
CLK_TCK="$(getconf CLK_TCK)"

# busy_ticks: CPU time all CPUs spent busy since boot, in clock ticks (/proc/stat, "cpu" line:
# user nice system idle iowait irq softirq steal ...).
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# wait_quiet MAX_SECONDS: returns once a 10 s window had under 10 % of the CPUs busy, or
# after MAX_SECONDS (saying so).
wait_quiet() {
    local limit="$1" waited=0 before after
    while (( waited < limit )); do
        before="$(busy_ticks)"; sleep 10; after="$(busy_ticks)"; waited=$((waited + 10))
        if awk -v a="$before" -v b="$after" -v hz="$CLK_TCK" -v n="$(nproc)" 'BEGIN { exit !((b - a) / hz < 0.1 * 10 * n) }'; then
            return 0
        fi
    done
    echo "   (the machine stayed busy for ${limit} s; running anyway)" >&2
}

# run_case ROUND CASE DB COMMAND...: one timed import; appends a line to $RESULTS.
run_case() {
    local round="$1" case="$2" db="$3"; shift 3
    rm -f "$db" "$db-wal" "$db-shm"
    sync
    if [[ "${WAIT_FOR_QUIET:-0}" -gt 0 ]]; then wait_quiet "$WAIT_FOR_QUIET"; fi
    local load busy_before busy_after; load="$(cut -d' ' -f1 /proc/loadavg)"
    busy_before="$(busy_ticks)"
    if ! /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.txt" "$@" >"$WORK/out.json" 2>"$WORK/err.txt"; then
        cat "$WORK/err.txt" >&2
        die "round $round, case $case failed: $*"
    fi
    busy_after="$(busy_ticks)"
    # CPU time other jobs used on this machine during the run: all busy time minus ours.
    local others; others="$(awk -v a="$busy_before" -v b="$busy_after" -v hz="$CLK_TCK" -v t="$(cat "$WORK/time.txt")" \
        'BEGIN { split(t, f, " "); o = (b - a) / hz - f[2] - f[3]; printf "%.2f", (o < 0 ? 0 : o) }')"
    local samples internal
    read -r samples internal < <("$PYTHON" -c '
import json, sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(d.get("samplesInserted", d.get("samples")), d.get("seconds"))' "$WORK/out.json")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$case" "$(tr ' ' '\t' <"$WORK/time.txt")" \
        "$samples" "$internal" "$load" "$others" >>"$RESULTS"
    printf '   %-8s %-9s %8s samples  %6s s wall  (other jobs: %s CPU s)\n' "round $round" "$case" "$samples" "$(cut -d' ' -f1 "$WORK/time.txt")" "$others" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round of $ROUNDS" >&2
    run_case "$round" ours_dir "$WORK/ours_dir.sqlite" \
        "$BIN" import --db "$WORK/ours_dir.sqlite" --format bitbrains --prefix "$PREFIX" --quiet --json "$WORK/csv"
    run_case "$round" ours_tar "$WORK/ours_tar.sqlite" \
        "$BIN" import --db "$WORK/ours_tar.sqlite" --format bitbrains --prefix "$PREFIX" --quiet --json "$DATASET"
    run_case "$round" peer "$WORK/peer.sqlite" \
        "$PYTHON" "$HERE/peer_python.py" --db "$WORK/peer.sqlite" --prefix "$PREFIX" "$WORK/csv"
    # Same samples, same numbers: fail loudly otherwise.
    "$PYTHON" "$HERE/compare.py" "$WORK/ours_dir.sqlite" "$WORK/peer.sqlite" >&2 \
        || die "round $round: ours (directory) and the peer disagree (see above)"
    "$PYTHON" "$HERE/compare.py" "$WORK/ours_tar.sqlite" "$WORK/peer.sqlite" >&2 \
        || die "round $round: ours (.tar.zst) and the peer disagree (see above)"
    rm -f "$WORK"/*.sqlite "$WORK"/*.sqlite-wal "$WORK"/*.sqlite-shm
done

# --- environment, report ------------------------------------------------------------------
CPU_MODEL="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
SQLITE_LIB="$(ldd "$BIN" | awk '/libsqlite3/ {print $3}')"
PY_INFO="$("$PYTHON" -c 'import sqlite3, sys; print(sys.version.split()[0], sqlite3.sqlite_version)')"
export BENCH_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
export BENCH_NPROC="$(nproc)"
export BENCH_CPU="$CPU_MODEL"
export BENCH_KERNEL="$(uname -r)"
export BENCH_FS="$FS_TYPE"
export BENCH_SQLITE_OURS="$("$PYTHON" -c '
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1]); lib.sqlite3_libversion.restype = ctypes.c_char_p
print(lib.sqlite3_libversion().decode(), "(" + sys.argv[1] + ")")' "$SQLITE_LIB" 2>/dev/null || echo "? ($SQLITE_LIB)")"
export BENCH_PYTHON="${PY_INFO% *}"
export BENCH_SQLITE_PY="${PY_INFO#* }"
export BENCH_SWIFT="$(swift --version 2>&1 | head -1)"
export BENCH_ZSTD="$(zstd --version | sed -n 's/.*\(v[0-9.]*\).*/\1/p')"
DIRTY="$(cd "$ROOT" && git status --porcelain -- Sources Package.swift 2>/dev/null | awk '{print $NF}' | cut -d/ -f1-2 | sort -u | paste -sd, - | sed 's/,/, /g')"
export BENCH_GIT="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)${DIRTY:+ + uncommitted changes in $DIRTY}"
export BENCH_FILES="$FILES"
export BENCH_ROUNDS="$ROUNDS"
export BENCH_WAIT_FOR_QUIET="${WAIT_FOR_QUIET:-0}"
"$PYTHON" "$HERE/report.py" "$RESULTS" "$ROOT/BENCHMARKS.md"
