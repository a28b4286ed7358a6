#!/usr/bin/env bash
# Held-out evaluation of the risk and the policies, scored the way Headroom is judged
# (../shared/eval/score_exports.py): train on some Bitbrains VMs until FROM, then replay
# later weeks on (a) the same VMs and (b) VMs never trained on, never refitting.
#
#   bench/risk/holdout.sh [WORK_DIR]
#
# Needs ../shared/datasets (the 250-VM Bitbrains extract), numpy, and release builds
# (built here). Deterministic: the splits are by VM id, the training seeded.
# REPLAY_FLAGS (e.g. --trace-demand) go to every replay and frontier.
# Splits: trained VMs = ids ≡ 0 (mod 4); unseen VMs = ids ≡ 2 (mod 4); weeks starting
# 2013-08-16 and 2013-08-23 (training ends 2013-08-16; nothing is tuned on these weeks).
# For choosing anything, use the tuning week instead, and the other VM fold for robustness:
#   UNTIL=2013-08-09 WEEKS=2013-08-09 bench/risk/holdout.sh DIR      # the tuning week
#   FOLD=1 bench/risk/holdout.sh DIR                                 # trained ≡ 1, unseen ≡ 3 (mod 4)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work=${1:-/tmp/headroom-holdout}
shared=${SHARED:-$root/../shared}
mkdir -p "$work"
scratch=${SCRATCH:-$root/.build-rel}
swift build -c release --scratch-path "$scratch" --product headroom-trainer 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
swift build -c release --scratch-path "$scratch" --product headroom-scorer 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
db=$work/h.sqlite
if [ ! -f "$db" ]; then
  "$bin/headroom-trainer" import --db "$db" --format bitbrains --prefix bitbrains- --quiet \
    "$shared/datasets/bitbrains-rnd-vm001-250-2013-07-08.tar.zst"
fi
trained=(); unseen=()
for i in $(seq 1 250); do
  case $(((i - ${FOLD:-0} + 4) % 4)) in 0) trained+=("bitbrains-$i");; 2) unseen+=("bitbrains-$i");; esac
done
join() { local IFS=,; echo "$*"; }
models=$work/models
if [ ! -d "$models/risk" ]; then
  "$bin/headroom-trainer" train --db "$db" --models "$models" --profile "${PROFILE:-quick}" \
    --until "${UNTIL:-2013-08-16}T00:00:00Z" --workloads "$(join "${trained[@]}")" 2>&1 | grep -E "^risk|^trained|^candidate|^predictive: default"
fi
version=$("$bin/headroom-trainer" models list --db "$db" --models "$models" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["version"])')
for week in ${WEEKS:-2013-08-16 2013-08-23}; do
  from=$(date -u -d "${week}T00:00:00Z" +%s); to=$((from + 7 * 86400))
  for split in trained unseen; do
    if [ $split = trained ]; then names=$(join "${trained[@]}"); else names=$(join "${unseen[@]}"); fi
    d=$work/$week-$split; mkdir -p "$d"
    "$bin/headroom-scorer" replay --db "$db" --models "$models" --version "$version" --pops "$root/config/pops.holdout.toml" \
      --policy static --from "$from" --to "$to" --workloads "$names" --json ${REPLAY_FLAGS:-} \
      --export-scores "$d/scores.csv" --export-allocations "$d/alloc-static.csv" > "$d/replay-static.json"
    for policy in ${POLICIES:-predictive reactive vpa}; do
      extra=(); [ "$policy" = predictive ] && extra=(--export-forecasts "$d/forecasts.csv" --every 12)
      "$bin/headroom-scorer" replay --db "$db" --models "$models" --version "$version" --pops "$root/config/pops.holdout.toml" \
        --policy "$policy" --from "$from" --to "$to" --workloads "$names" --json ${REPLAY_FLAGS:-} "${extra[@]}" \
        --export-allocations "$d/alloc-$policy.csv" > "$d/replay-$policy.json"
    done
    echo "== week $week, $split VMs"
    python3 "$shared/eval/score_exports.py" --db "$db" --from "$from" --dir "$d" | tee "$d/score.json"
    # The trade-off: predictive, vpa and reactive over their knobs; predictive read at vpa's and reactive's default slack.
    if [ "${FRONTIER:-1}" = 1 ]; then
      "$bin/headroom-scorer" frontier --db "$db" --models "$models" --version "$version" --pops "$root/config/pops.holdout.toml" \
        --policies predictive,vpa,reactive --from "$from" --to "$to" --workloads "$names" ${REPLAY_FLAGS:-} --report "$d/frontier.html" > "$d/frontier.txt" 2>/dev/null
      grep -E "at the slack of" "$d/frontier.txt"
    fi
  done
done
