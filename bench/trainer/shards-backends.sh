#!/usr/bin/env bash
# Trainer wall time on SQLite beside PostgreSQL in one run (issue 15 item 5): one process
# against SHARDS shards run side by side plus the merge (bench/trainer/shards.sh), on each
# backend, backends alternating round by round. The data: the bundled 40 Bitbrains VMs
# imported into a fresh SQLite file and into a fresh database of a private PostgreSQL server
# started here (Debian's, Unix socket in a temporary directory; fsync on, synchronous_commit off).
#   bench/trainer/shards-backends.sh UNTIL [PROFILE] [SHARDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
until=$1 profile=${2:-quick} shards=${3:-2} rounds=${4:-2}
export TRAINER=${TRAINER:-.build-rel/release/headroom-trainer}
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
  "$TRAINER" import --db "$db" --format bitbrains --prefix bitbrains- --quiet datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst >/dev/null
done
for round in $(seq 1 "$rounds"); do
  LABEL="sqlite" bash bench/trainer/shards.sh "$sqlite" "$until" "$profile" "$shards" 1 | sed "s/^round 1/round $round/"
  LABEL="postgres" bash bench/trainer/shards.sh "$postgres" "$until" "$profile" "$shards" 1 | sed "s/^round 1/round $round/"
done
