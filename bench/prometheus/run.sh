#!/usr/bin/env bash
# Remote-write ingestion benchmark (issue 14, item 6; not a test): `headroom-bench
# remote-write` (Sources/HeadroomBench/RemoteWriteBench.swift) on a release build —
# Prometheus remote-write requests end to end into the store (snappy + protobuf decode,
# mapping, counter rates, row sums, one merge transaction per request) beside the agent's
# batch API (`POST /v1/samples` bodies: SampleBatch.parse + one append transaction each) on
# the same rows, in the same run, into fresh store files in a scratch directory.
#
# Usage: bench/prometheus/run.sh                      (ROUNDS=3)
#        ROUNDS=5 WORKLOADS=1000 SCRAPES=120 bench/prometheus/run.sh
# Prints each round's RESULT lines and the median of each path's samples per CPU-second
# (process CPU time: user + system of every thread, so "per core"). Paste into BENCHMARKS.md,
# section "Prometheus remote write: ingestion".
# OPENBLAS_* variables are passed through as set.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${ROUNDS:-3}" WORKLOADS="${WORKLOADS:-500}" SCRAPES="${SCRAPES:-120}" PER_REQUEST="${PER_REQUEST:-2000}"
swift build -c release --product headroom-bench 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin="$(swift build -c release --show-bin-path)/headroom-bench"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
  "$bin" remote-write --workloads "$WORKLOADS" --scrapes "$SCRAPES" --samples-per-request "$PER_REQUEST" | tee -a "$out"
done
python3 - "$out" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"RESULT (\S+) .*?(samples|values)_per_cpu_s=(\d+)", line)
    if m: rows.setdefault(m.group(1), []).append(int(m.group(3)))
for path, values in rows.items():
    print(f"median {path}: {statistics.median(values):,.0f} per CPU-second over {len(values)} rounds ({', '.join(f'{v:,}' for v in values)})")
PY
