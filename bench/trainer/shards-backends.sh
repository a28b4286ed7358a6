#!/usr/bin/env bash
# Trainer wall time on SQLite beside PostgreSQL in one run (issue 15 item 5): one process
# against SHARDS shards run side by side plus the merge, on each backend, rounds alternating.
# The data: the bundled 40 Bitbrains VMs imported into a fresh SQLite file and into a fresh
# database of a private PostgreSQL server started here (Debian's, Unix socket in a temporary
# directory; fsync on, synchronous_commit off).
#   bench/trainer/shards-backends.sh UNTIL [PROFILE] [SHARDS] [ROUNDS]
# Prints one line per run: backend, mode, wall seconds (per phase for the sharded run).
set -euo pipefail
cd "$(dirname "$0")/../.."
until=$1 profile=${2:-quick} shards=${3:-2} rounds=${4:-2}
trainer=${TRAINER:-.build-rel/release/headroom-trainer}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/hr-train-XXXXXX)
as=(); [ "$(id -u)" -eq 0 ] && { chmod 755 "$work"; mkdir "$work/pg"; chown postgres: "$work/pg"; as=(runuser -u postgres --); }
cleanup() { "${as[@]}" "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"${as[@]}" "$pgbin/initdb" -D "$work/pg/data" -U headroom -A trust >/dev/null
"${as[@]}" "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w \
  -o "-k $work/pg -c listen_addresses= -c synchronous_commit=off" start >/dev/null
"${as[@]}" "$pgbin/createdb" -h "$work/pg" -U headroom bench
sqlite=$work/s.sqlite
postgres="postgres://headroom@localhost/bench?host=$work/pg"
for db in "$sqlite" "$postgres"; do
  "$trainer" import --db "$db" --format bitbrains --prefix bitbrains- --quiet datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst >/dev/null
done
now() { date +%s.%N; }
for round in $(seq 1 "$rounds"); do
  for backend in sqlite postgres; do
    db=$sqlite; [ "$backend" = postgres ] && db=$postgres
    m1=$work/m1-$backend-$round mn=$work/mn-$backend-$round
    t0=$(now)
    "$trainer" train --db "$db" --models "$m1" --until "$until" --profile "$profile" --quiet >/dev/null
    t1=$(now)
    echo "round $round $backend one-process wall_s=$(echo "$t1 - $t0" | bc)"
    t0=$(now)
    for i in $(seq 0 $((shards - 1))); do
      "$trainer" train --db "$db" --models "$mn" --until "$until" --profile "$profile" \
        --shard "$i/$shards" --version "bench-$backend-$round" --quiet >/dev/null &
    done
    wait
    t1=$(now)
    "$trainer" train --db "$db" --models "$mn" --merge "bench-$backend-$round" --quiet >/dev/null
    t2=$(now)
    echo "round $round $backend shards=$shards wall_s=$(echo "$t2 - $t0" | bc) (shards $(echo "$t1 - $t0" | bc), merge $(echo "$t2 - $t1" | bc))"
  done
done
