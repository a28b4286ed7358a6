#!/usr/bin/env bash
# The main job on the bundled data: set up, build, import every bundled trace into a fresh
# SQLite store and print what it holds. (Later issues grow it into train → score → decide.)
# Usage: scripts/demo.sh [STORE_PATH]   (default demo/headroom.sqlite, recreated each run)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product headroom-trainer 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin=$(swift build -c release --show-bin-path)/headroom-trainer
db=${1:-demo/headroom.sqlite}
mkdir -p "$(dirname "$db")"
rm -f "$db" "$db-wal" "$db-shm"
run() { echo "+ headroom-trainer $*" >&2; "$bin" "$@"; echo; }
# Relative or index-based traces get a documented time zero (--epoch) so the demo's
# timestamps are plausible dates: Azure V1 covers 30 days from mid-November 2016, the
# Alibaba v2018 trace 8 days; Google 2011 began in May 2011.
run import --db "$db" --format bitbrains --prefix bitbrains- datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst
run import --db "$db" --format alibaba-machine --prefix alibaba- --epoch 2018-01-01T00:00:00Z datasets/alibaba2018-machine-usage-m1932-m1939.csv.gz
run import --db "$db" --format azure-v1 --prefix azure- --epoch 2016-11-16T00:00:00Z datasets/azure-v1-cpu-avg-20vms.csv.gz
run import --db "$db" --format google-gcd --prefix google- --epoch 2011-05-02T00:00:00Z datasets/google2011-gcd-20jobs.tar.zst
run import --db "$db" --format nab --prefix aws- datasets/nab-aws
"$bin" summary --db "$db"
