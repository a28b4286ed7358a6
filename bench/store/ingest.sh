#!/usr/bin/env bash
# Ingest into the store, SQLite beside PostgreSQL in one run (issue 15 item 5): the remote-write
# path and the agents' batch API (`headroom-bench remote-write`) into fresh SQLite files, then
# into fresh databases of a private PostgreSQL server started here (Debian's, on a Unix socket
# in a temporary directory; fsync on, synchronous_commit off: like SQLite's WAL with
# synchronous=NORMAL, a commit survives the process, not a power cut). Rounds alternate.
#   bench/store/ingest.sh [ROUNDS] [-- remote-write options]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}; shift || true; [ "${1:-}" = "--" ] && shift
bench=${BENCH:-.build-bench/release/headroom-bench}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/hr-pg-XXXXXX)
as=(); [ "$(id -u)" -eq 0 ] && { chown postgres: "$dir"; as=(runuser -u postgres --); }
cleanup() { "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${as[@]}" "$bin/initdb" -D "$dir/data" -U headroom -A trust >/dev/null
"${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-k $dir -c listen_addresses= -c synchronous_commit=off" start >/dev/null
for round in $(seq 1 "$rounds"); do
  echo "== round $round: SQLite"
  "$bench" remote-write "$@" | grep -E "remote write:|batch API|RESULT"
  for db in rw$round batch$round; do "${as[@]}" "$bin/createdb" -h "$dir" -U headroom "$db"; done
  echo "== round $round: PostgreSQL"
  "$bench" remote-write "$@" --store "postgres://headroom@localhost/rw$round?host=$dir" \
    --peer-store "postgres://headroom@localhost/batch$round?host=$dir" | grep -E "remote write:|batch API|RESULT"
done
