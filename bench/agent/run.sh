#!/usr/bin/env bash
# The agent sampler's CPU cost beside psutil's (bench/agent/RESULTS.md).
#
# Starts PROCESSES (200) idle children (`sleep 600`) of one parent shell, then samples them
# at HZ (1) for SECONDS_PER_RUN (60) seconds, one run after the other: ours and psutil on
# the explicit list of pids; ours and psutil on the tree under the parent; and, when this
# machine has cgroup v1 and we may create cgroups (root), ours and a plain-Python reader
# of the same files on a memory+cpuacct+blkio cgroup holding the 200 children
# (peer_cgroup.py; psutil has no cgroup API).
# Then the list runs again on PROCESSES children that wake every 0.25 s (`perl`, so each has
# run in every 1-s interval: the worst case for the agent's "has it run?" memo).
# Ours runs twice per case: through the eBPF task iterator (what the agent uses where it
# loads: root, Linux >= 6.2 with BTF) and through /proc files (`--procfs`, the fallback).
# Each run prints one JSON line (its own CPU time over the run as % of one core); the
# lines go to bench/out/agent-<time>.jsonl and a table is printed at the end.
# Python: a venv at .venv-agent-bench (gitignored) with psutil from PyPI.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROCESSES=${PROCESSES:-200}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-60}
HZ=${HZ:-1}

swift build -c release --product agent-bench >&2
BIN="$(swift build -c release --show-bin-path)/agent-bench"
VENV=.venv-agent-bench
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import psutil" 2>/dev/null || "$VENV/bin/pip" install -q psutil

bash -c "for i in \$(seq $PROCESSES); do sleep 600 & done; wait" &
PARENT=$!
CGROUP=headroom-bench-$$
WAKING=
cleanup() {
    [ -n "$WAKING" ] && { pkill -P "$WAKING" perl 2>/dev/null || true; kill "$WAKING" 2>/dev/null || true; }
    pkill -P "$PARENT" sleep 2>/dev/null || true
    kill "$PARENT" 2>/dev/null || true
    sleep 0.5
    for c in memory cpuacct blkio; do rmdir "/sys/fs/cgroup/$c/$CGROUP" 2>/dev/null || true; done
}
trap cleanup EXIT
for _ in $(seq 50); do
    [ "$(pgrep -c -P "$PARENT")" -ge "$PROCESSES" ] && break
    sleep 0.1
done
PIDS=$(pgrep -P "$PARENT" | tr '\n' ' ')
echo "sampling $(echo $PIDS | wc -w) idle children of $PARENT at $HZ Hz for $SECONDS_PER_RUN s per run" >&2

mkdir -p bench/out
OUT=bench/out/agent-$(date -u +%Y%m%dT%H%M%SZ).jsonl
{
    "$BIN" list $PIDS --seconds "$SECONDS_PER_RUN" --hz "$HZ"
    "$BIN" list $PIDS --seconds "$SECONDS_PER_RUN" --hz "$HZ" --procfs | sed 's/"impl":"headroom-list"/"impl":"headroom-list-procfs"/'
    "$VENV/bin/python" bench/agent/peer_psutil.py list $PIDS --seconds "$SECONDS_PER_RUN" --hz "$HZ"
    # BEFORE_BIN: an agent-bench built from an older commit, for a before/after in the same run.
    if [ -n "${BEFORE_BIN:-}" ]; then
        "$BEFORE_BIN" list $PIDS --seconds "$SECONDS_PER_RUN" --hz "$HZ" | sed 's/"impl":"headroom-list"/"impl":"before-list"/'
    fi
    "$BIN" tree "$PARENT" --seconds "$SECONDS_PER_RUN" --hz "$HZ"
    "$BIN" tree "$PARENT" --seconds "$SECONDS_PER_RUN" --hz "$HZ" --procfs | sed 's/"impl":"headroom-tree"/"impl":"headroom-tree-procfs"/'
    "$VENV/bin/python" bench/agent/peer_psutil.py tree "$PARENT" --seconds "$SECONDS_PER_RUN" --hz "$HZ"
    if [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpuacct ] && [ -d /sys/fs/cgroup/blkio ] \
        && mkdir "/sys/fs/cgroup/memory/$CGROUP" 2>/dev/null; then
        mkdir "/sys/fs/cgroup/cpuacct/$CGROUP" "/sys/fs/cgroup/blkio/$CGROUP"
        for pid in $PIDS; do
            for c in memory cpuacct blkio; do echo "$pid" > "/sys/fs/cgroup/$c/$CGROUP/cgroup.procs"; done
        done
        "$BIN" cgroup "$CGROUP" --seconds "$SECONDS_PER_RUN" --hz "$HZ"
        python3 bench/agent/peer_cgroup.py "$CGROUP" --seconds "$SECONDS_PER_RUN" --hz "$HZ"
    else
        echo "no writable cgroup v1 hierarchy: the cgroup runs are skipped" >&2
    fi
} | tee "$OUT"

bash -c "for i in \$(seq $PROCESSES); do perl -e 'select(undef, undef, undef, 0.25) while 1' & done; wait" &
WAKING=$!
for _ in $(seq 50); do
    [ "$(pgrep -c -P "$WAKING")" -ge "$PROCESSES" ] && break
    sleep 0.1
done
WPIDS=$(pgrep -P "$WAKING" | tr '\n' ' ')
echo "sampling $(echo $WPIDS | wc -w) children that wake every 0.25 s" >&2
{
    "$BIN" list $WPIDS --seconds "$SECONDS_PER_RUN" --hz "$HZ" | sed 's/"impl":"headroom-list"/"impl":"headroom-list-waking"/'
    "$BIN" list $WPIDS --seconds "$SECONDS_PER_RUN" --hz "$HZ" --procfs \
        | sed 's/"impl":"headroom-list"/"impl":"headroom-list-waking-procfs"/'
    "$VENV/bin/python" bench/agent/peer_psutil.py list $WPIDS --seconds "$SECONDS_PER_RUN" --hz "$HZ" \
        | sed 's/"impl": "psutil-list"/"impl": "psutil-list-waking"/'
} | tee -a "$OUT"

python3 - "$OUT" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
by = {r["impl"]: r for r in rows}
print("\n| case | backend | processes | samples | CPU s | % of one core | CPU µs per sample |")
print("|---|---|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['impl']} | {r.get('backend', '')} | {r['processes']} | {r['samples']} | {r['cpu_s']:.3f} | {r['percent_of_one_core']:.3f} | {r['cpu_us_per_sample']:.0f} |")
for mode, peer_name in (("list", "psutil-list"), ("list-procfs", "psutil-list"), ("tree", "psutil-tree"),
                        ("tree-procfs", "psutil-tree"), ("cgroup", "python-cgroup"),
                        ("list-waking", "psutil-list-waking"), ("list-waking-procfs", "psutil-list-waking")):
    ours, peer = by.get("headroom-" + mode), by.get(peer_name)
    if ours and peer and ours["cpu_s"] > 0:
        print(f"\n{mode}: {peer_name} / ours = {peer['cpu_s'] / ours['cpu_s']:.1f}x")
PY
