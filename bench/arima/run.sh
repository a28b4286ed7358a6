#!/usr/bin/env bash
# ARIMA benchmark: `headroom-bench arima` (ARIMA(2,1,2) and AutoARIMA on 1,000 series of
# 288 points, one thread) against statsforecast (ARIMA CSS-ML, AutoARIMA) and statsmodels
# (ARIMA(2,1,2)) in the same run, on the same input (bench/arima/peer.py).
#
# Each round runs ours, then the peers, one after the other (never concurrently). After
# ROUNDS rounds, bench/arima/report.py takes the median throughput of each case, the
# ratios ours ÷ peer, the mean AICc and per-series AICc comparisons (last round), and
# writes bench/arima/RESULTS.md (and prints it). The raw JSON lines and per-series AICc
# files are kept in bench/out/arima/ (git-ignored).
#
# Usage: bench/arima/run.sh                 (ROUNDS=3, all 1,000 series)
#        ROUNDS=1 LIMIT=100 bench/arima/run.sh
# Environment:
#   ROUNDS   rounds (default 3)            LIMIT   series per round (default: all)
#   INPUT    the CSV (default /work/shared/bench/arima_1000x288.csv)
#   PYTHON   the peers' interpreter (default .venv-peers/bin/python at the package root)
#   BENCH_CMD  a prebuilt command for ours instead of building headroom-bench, e.g.
#            "/path/to/headroom-bench arima" (used to benchmark a scratch build)
#   BENCH_NOTE a sentence added to RESULTS.md (e.g. how ours was built)
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are passed through unchanged; both sides get
# OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
LIMIT="${LIMIT:-}"
INPUT="${INPUT:-/work/shared/bench/arima_1000x288.csv}"
PYTHON="${PYTHON:-$ROOT/.venv-peers/bin/python}"

die() { echo "run.sh: error: $*" >&2; exit 1; }
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ -z "$LIMIT" || "$LIMIT" =~ ^[1-9][0-9]*$ ]] || die "LIMIT must be a positive integer, got '$LIMIT'"
[[ -r "$INPUT" ]] || die "input not found: $INPUT (set INPUT=PATH)"
[[ -x "$PYTHON" ]] || die "no Python at $PYTHON; create the peers' venv (see /work/shared/bench/README.md) or set PYTHON="
"$PYTHON" -c 'import statsforecast, statsmodels, threadpoolctl' 2>/dev/null \
    || die "$PYTHON lacks statsforecast, statsmodels or threadpoolctl (pip install statsforecast statsmodels threadpoolctl)"

export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMBA_NUM_THREADS=1

# --- ours ---------------------------------------------------------------------------------
if [[ -n "${BENCH_CMD:-}" ]]; then
    read -r -a OURS <<< "$BENCH_CMD"
else
    echo "== building headroom-bench (release)" >&2
    (cd "$ROOT" && swift build -c release --product headroom-bench) >&2
    BIN="$(cd "$ROOT" && swift build -c release --product headroom-bench --show-bin-path)/headroom-bench"
    [[ -x "$BIN" ]] || die "no binary at $BIN after the build"
    OURS=("$BIN" arima)
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/headroom-arima-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
LIMIT_ARGS=()
[[ -n "$LIMIT" ]] && LIMIT_ARGS=(--limit "$LIMIT")

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round/$ROUNDS: ours" >&2
    load="$(cut -d' ' -f1 /proc/loadavg)"
    "${OURS[@]}" --input "$INPUT" "${LIMIT_ARGS[@]}" --aicc-out "$WORK/ours" \
        | sed "s/^{/{\"round\": $round, \"side\": \"ours\", \"load\": $load, /" >> "$WORK/results.jsonl"
    echo "== round $round/$ROUNDS: peers (statsforecast ARIMA, AutoARIMA; statsmodels ARIMA)" >&2
    load="$(cut -d' ' -f1 /proc/loadavg)"
    "$PYTHON" "$HERE/peer.py" --input "$INPUT" "${LIMIT_ARGS[@]}" --aicc-out "$WORK/peer" 2>>"$WORK/peer.stderr" \
        | sed "s/^{/{\"round\": $round, \"side\": \"peer\", \"load\": $load, /" >> "$WORK/results.jsonl"
done

# Keep the raw numbers (git-ignored) for a closer look, then write the report.
KEEP="$ROOT/bench/out/arima"
mkdir -p "$KEEP"
cp "$WORK"/results.jsonl "$WORK"/*.txt "$WORK"/peer.stderr "$KEEP"/ 2>/dev/null || true
"$PYTHON" "$HERE/report.py" --results "$WORK/results.jsonl" --aicc-dir "$WORK" --input "$INPUT" \
    --ours-command "${OURS[*]}" --out "$HERE/RESULTS.md"
cat "$HERE/RESULTS.md"
