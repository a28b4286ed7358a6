#!/usr/bin/env bash
# Trainer wall time, one process against N shards run in parallel plus the merge (issue 15
# item 5), rounds alternating the two so load drifts hit both alike.
#   bench/trainer/shards.sh STORE UNTIL [PROFILE] [SHARDS] [ROUNDS]
# STORE: a SQLite file (a copy is trained on) or a postgres:// URL (trained on in place:
# bench/trainer/shards-backends.sh sets one up beside SQLite). LABEL (environment) prefixes
# each line. Prints one line per run: mode, wall seconds (per phase for the sharded run).
set -euo pipefail
store=$1 until=$2 profile=${3:-quick} shards=${4:-2} rounds=${5:-2}
trainer=${TRAINER:-.build-bench/release/headroom-trainer}
label=${LABEL:+$LABEL }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=$store
if [[ "$store" != postgres://* && "$store" != postgresql://* ]]; then cp "$store" "$work/s.sqlite"; db=$work/s.sqlite; fi
now() { date +%s.%N; }
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/m1" "$work/mn"
  t0=$(now)
  "$trainer" train --db "$db" --models "$work/m1" --until "$until" --profile "$profile" --quiet >/dev/null
  t1=$(now)
  echo "round $round ${label}one-process wall_s=$(echo "$t1 - $t0" | bc)"
  t0=$(now)
  for i in $(seq 0 $((shards - 1))); do
    "$trainer" train --db "$db" --models "$work/mn" --until "$until" --profile "$profile" \
      --shard "$i/$shards" --version "bench-$round-$$" --quiet >/dev/null &
  done
  wait
  t1=$(now)
  "$trainer" train --db "$db" --models "$work/mn" --merge "bench-$round-$$" --quiet >/dev/null
  t2=$(now)
  echo "round $round ${label}shards=$shards wall_s=$(echo "$t2 - $t0" | bc) (shards $(echo "$t1 - $t0" | bc), merge $(echo "$t2 - $t1" | bc))"
done
