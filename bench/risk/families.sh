#!/usr/bin/env bash
# The holdout protocol of bench/risk/holdout.sh on the other trace families of
# ../shared/datasets (Azure V1, Alibaba 2018 machines, Google 2011 jobs, NAB AWS): does the
# whole path (import → train → replay → exports → score_exports.py) run on each, and how does
# the learned risk rank against the plain baselines there?
#
#   bench/risk/families.sh [WORK_DIR] [FAMILY ...]     (families: azure alibaba google; default all three)
#
# Per family: every other workload (in name order) is trained on, the rest are never trained
# on; training ends at the family's split time (two thirds of the trace, rounded down to a
# whole day where the trace is longer than a day), the rest of the trace is replayed
# (static with --export-scores, then predictive, reactive and vpa) and scored. The traces
# are small (8–400 workloads, 1–28 days): this checks the path and the ranking, not the
# targets, which are set on Bitbrains (EVALUATION.md). NAB (`nab`, not run by default) imports
# only its two CPU series (EC2 and RDS, the same 14 days): the judge's events and forecasts are
# CPU and memory only, and the disk-write and network-in series cover other months.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=${1:-/tmp/headroom-families}; shift || true
families=${*:-azure alibaba google}
shared=${SHARED:-$root/../shared}
scratch=${SCRATCH:-$root/.build-rel}
swift build -c release --scratch-path "$scratch" --product headroom-trainer 2>&1 | grep -E "error|Compiling Trainer" || true
swift build -c release --scratch-path "$scratch" --product headroom-scorer 2>&1 | grep -E "error|Compiling Scorer" || true
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
for family in $families; do
  case $family in
    azure) format=azure-v1; input=("$shared/datasets/azure-v1-cpu-avg-20vms.csv") ;;
    alibaba) format=alibaba-machine; input=("$shared/datasets/alibaba2018-machine-usage-m1932-m1939.csv") ;;
    google) format=google-gcd; input=("$shared/datasets/google2011-gcd-400jobs.tar.zst") ;;
    nab) format=nab; input=("$shared/datasets/nab-aws/ec2_cpu_utilization_24ae8d.csv" "$shared/datasets/nab-aws/rds_cpu_utilization_cc0c53.csv") ;;
    *) echo "unknown family $family" >&2; exit 2 ;;
  esac
  d=$work/$family; mkdir -p "$d"; db=$d/h.sqlite
  [ -f "$db" ] || "$bin/headroom-trainer" import --db "$db" --format "$format" --prefix "$family-" --quiet "${input[@]}" > "$d/import.log" 2>&1
  read -r first last <<<"$(python3 -c "
import sqlite3; c = sqlite3.connect('$db'); print(*c.execute('select min(timestamp), max(timestamp) from samples').fetchone())")"
  span=$((last - first))
  split=$((first + span * 2 / 3))
  [ $span -gt 172800 ] && split=$(( (split / 86400) * 86400 ))
  mapfile -t names < <(python3 -c "
import sqlite3; c = sqlite3.connect('$db'); [print(n) for (n,) in c.execute('select name from workloads order by name')]")
  trained=(); unseen=()
  for k in "${!names[@]}"; do if [ $((k % 2)) = 0 ]; then trained+=("${names[$k]}"); else unseen+=("${names[$k]}"); fi; done
  join() { local IFS=,; echo "$*"; }
  models=$d/models
  if [ ! -d "$models/risk" ]; then
    "$bin/headroom-trainer" train --db "$db" --models "$models" --profile "${PROFILE:-quick}" --until "$split" \
      --workloads "$(join "${trained[@]}")" > "$d/train.log" 2>&1 || { echo "== $family: training failed"; tail -3 "$d/train.log"; continue; }
  fi
  version=$("$bin/headroom-trainer" models list --db "$db" --models "$models" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["version"])')
  echo "== $family: ${#names[@]} workloads, $(( span / 3600 )) h from $first; trained on ${#trained[@]} until $split, version $version"
  grep -E "^risk: (learned|200|[0-9]+ trees)|^predictive: default" "$d/train.log" || true
  for split_name in trained unseen; do
    if [ $split_name = trained ]; then list=$(join "${trained[@]}"); else list=$(join "${unseen[@]}"); fi
    o=$d/$split_name; mkdir -p "$o"
    "$bin/headroom-scorer" replay --db "$db" --models "$models" --version "$version" --pops "$root/config/pops.holdout.toml" \
      --policy static --from "$split" --to $((last + 1)) --workloads "$list" --json \
      --export-scores "$o/scores.csv" --export-allocations "$o/alloc-static.csv" > "$o/replay-static.json"
    for policy in predictive reactive vpa; do
      extra=(); [ "$policy" = predictive ] && extra=(--export-forecasts "$o/forecasts.csv" --every 12)
      "$bin/headroom-scorer" replay --db "$db" --models "$models" --version "$version" --pops "$root/config/pops.holdout.toml" \
        --policy $policy --from "$split" --to $((last + 1)) --workloads "$list" --json "${extra[@]}" \
        --export-allocations "$o/alloc-$policy.csv" > "$o/replay-$policy.json"
    done
    echo "-- $split_name (${list:0:60}…)"
    python3 "$shared/eval/score_exports.py" --db "$db" --from "$split" --dir "$o" | tee "$o/score.json"
  done
done
