#!/usr/bin/env bash
# The main job on the bundled data: set up, build, import every bundled trace into a fresh
# SQLite store, train the quick profile on the Bitbrains VMs' history before 2013-08-16
# (10 of the 40 VMs held out entirely), evaluate it on the following week against the
# baselines (established and held-out VMs reported separately) and promote it only if it
# beats the seasonal-naive baseline there, then replay that week through the scorer's
# decision loop on a simulated four-POP fleet (config/pops.demo.toml) with the predictive
# policy and, for comparison, the reactive, static and oracle ones, side by side.
# Usage: scripts/demo.sh [STORE_PATH]   (default demo/headroom.sqlite, recreated each run)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# SCRATCH: another build folder (e.g. .build-rel) to reuse a release build.
scratch=(); [ -n "${SCRATCH:-}" ] && scratch=(--scratch-path "$SCRATCH")
swift build -c release "${scratch[@]}" --product headroom-trainer 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
swift build -c release "${scratch[@]}" --product headroom-scorer 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin=$(swift build -c release "${scratch[@]}" --show-bin-path)/headroom-trainer
scorer=$(swift build -c release "${scratch[@]}" --show-bin-path)/headroom-scorer
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
echo

models=${MODELS:-demo/models}
rm -rf "$models"
# Hold out every 4th Bitbrains VM: the backtest reports them as new workloads (cold start).
ids=(1 6 11 17 22 27 32 37 42 47 52 57 62 67 72 77 83 88 93 98 103 108 113 118 123 128 162 169 180 186 194 199 207 214 219 224 229 234 239 244)
train=()
for i in "${!ids[@]}"; do (( (i + 1) % 4 == 0 )) || train+=("bitbrains-${ids[$i]}"); done
run train --db "$db" --models "$models" --profile quick --until 2013-08-16T00:00:00Z --workloads "$(IFS=,; echo "${train[*]}")"
run evaluate --db "$db" --models "$models" --version latest \
  --from 2013-08-16T00:00:00Z --to 2013-08-23T00:00:00Z --horizon 12 --report "$models/reports/demo.html"
run promote --db "$db" --models "$models" --latest --if-better --from 2013-08-16T00:00:00Z --to 2013-08-23T00:00:00Z
"$bin" models list --db "$db" --models "$models"
echo "backtest report: $models/reports/demo.html"

# Replay the held-out week through the decision loop: every Bitbrains VM starts with the
# VPA-style allocation (p95 of its last day + 20 %) on the cheapest POP with room.
vms=$(IFS=,; echo "${ids[*]/#/bitbrains-}")
version=$("$bin" models list --db "$db" --models "$models" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["version"])')
echo
for policy in predictive reactive vpa autopilot static oracle; do
  echo "+ headroom-scorer replay --policy $policy" >&2
  "$scorer" replay --db "$db" --models "$models" --version "$version" --pops config/pops.demo.toml --policy "$policy" \
    --from 2013-08-16T00:00:00Z --to 2013-08-23T00:00:00Z --workloads "$vms" --json \
    --export-decisions "$models/reports/decisions-$policy.csv" --export-allocations "$models/reports/alloc-$policy.csv" \
    | tail -n 1 > "$models/reports/replay-$policy.json"
done
python3 - "$models/reports" <<'PY'
import json, sys
rows = [json.load(open(f"{sys.argv[1]}/replay-{p}.json")) for p in ["predictive", "reactive", "vpa", "autopilot", "static", "oracle"]]
print(f"replay {rows[0]['workloads']} VMs, 2013-08-16 … 2013-08-23, model {rows[0]['model_version']} (held-out week)")
fields = [("OOM kills", lambda r: f"{r['oom_kills']:,}"), ("throttled core-min", lambda r: f"{r['throttled_core_minutes']:,.0f}"),
          ("slack core-hours", lambda r: f"{r['slack_core_hours']:,.0f}"), ("slack GiB-hours", lambda r: f"{r['slack_gib_hours']:,.0f}"),
          ("contention minutes", lambda r: f"{r['contention_minutes']:,.0f}"),
          ("cost", lambda r: f"{r['cost']:,.1f}"), ("resizes (down)", lambda r: f"{r['resizes']} ({r['downsizes']})"),
          ("migrations", lambda r: ", ".join(f"{k} {v}" for k, v in sorted(r["migrations"].items())) or "0"),
          ("moved GB", lambda r: f"{r['moved_bytes'] / 1e9:,.1f}"), ("downtime minutes", lambda r: f"{r['downtime_minutes']:,.1f}"),
          ("actions per VM-day", lambda r: f"{r['decisions_per_workload_day']:.2f}"),
          ("mean CPU allocated", lambda r: f"{r['mean_allocation'].get('cpu_cores', float('nan')):.2f} cores")]
print(f"{'':22}" + "".join(f"{r['policy']:>15}" for r in rows))
for name, f in fields:
    print(f"{name:22}" + "".join(f"{f(r):>15}" for r in rows))
PY
echo
# The trade-off, not one point: each policy over its knob on the same held-out week; the
# comparison at the slack of vpa's default, and the two frontiers plotted in the report.
echo "+ headroom-scorer frontier" >&2
"$scorer" frontier --db "$db" --models "$models" --version "$version" --pops config/pops.demo.toml \
  --from 2013-08-16T00:00:00Z --to 2013-08-23T00:00:00Z --workloads "$vms" --report "$models/reports/frontier.html"
echo "frontier report: $models/reports/frontier.html"
