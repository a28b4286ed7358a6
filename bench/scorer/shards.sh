#!/usr/bin/env bash
# Sharded scorers' throughput (issue 15 item 5): samples ingested, scored and decided per
# second by one scorer on SQLite, one scorer on PostgreSQL, and two `serve --shard i/2`
# scorers over one PostgreSQL, under the same open-loop load (bench/service/loadgen.py; with
# two scorers each batch is split by shard as the agent splits it). Configurations alternate
# round by round. Every sample acknowledged is one tick of its workload (score + decision).
#
#   bench/scorer/shards.sh [ROUNDS]
#
# Environment: DURATION (30 s per run), RATE (20000 samples/s offered: above what one scorer
# takes here, so the figure is the capacity), CLIENTS (20), BATCH (100), SCRATCH (.build-rel).
# Models: the bundled Bitbrains week imported into a SQLite file and into a private PostgreSQL
# server started here (Debian's, Unix socket in a temporary directory, fsync on,
# synchronous_commit off), each trained with `--profile quick --until 2013-08-16` (the same
# seeds: the same models) and promoted. Reports per run: achieved samples/s, the scorers'
# CPU (cores, utime + stime of their processes) and the PostgreSQL server's, and samples per
# scorer CPU-second. OPENBLAS_* variables are passed through as set, the same for every run.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
rounds=${1:-2}
DURATION=${DURATION:-30}; RATE=${RATE:-20000}; CLIENTS=${CLIENTS:-20}; BATCH=${BATCH:-100}
scratch=${SCRATCH:-$root/.build-rel}
swift build -c release --scratch-path "$scratch" --product headroom-scorer 2>&1 | grep -E "error" || true
swift build -c release --scratch-path "$scratch" --product headroom-trainer 2>&1 | grep -E "error" || true
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/hr-shards-XXXXXX)
as=(); [ "$(id -u)" -eq 0 ] && { chmod 755 "$dir"; mkdir "$dir/pg"; chown postgres: "$dir/pg"; as=(runuser -u postgres --); }
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
  "${as[@]}" "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as[@]}" "$pgbin/initdb" -D "$dir/pg/data" -U headroom -A trust >/dev/null
"${as[@]}" "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
  -o "-k $dir/pg -c listen_addresses= -c synchronous_commit=off -c max_connections=50" start >/dev/null
pg() { echo "postgres://headroom@localhost/$1?host=$dir/pg"; }
"${as[@]}" "$pgbin/createdb" -h "$dir/pg" -U headroom base

echo "preparing: import and train on SQLite and on PostgreSQL (once)" >&2
trace=datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst
for db in "$dir/base.sqlite" "$(pg base)"; do
  models=$dir/models-sqlite; [[ "$db" == postgres://* ]] && models=$dir/models-pg
  "$bin/headroom-trainer" import --db "$db" --format bitbrains --prefix bitbrains- --quiet "$trace" >&2
  "$bin/headroom-trainer" train --db "$db" --models "$models" --profile quick --until 2013-08-16T00:00:00Z --quiet >&2
  "$bin/headroom-trainer" promote --db "$db" --models "$models" --latest >&2
done

token="shards-bench-token-$(date +%s)-0123456789"
printf '%s\n' "$token" > "$dir/token"
ports=(18301 18302)
cp config/pops.demo.toml "$dir/fleet-1.toml"
{ cat config/pops.demo.toml; printf '\n[[scorers]]\nurl = "http://127.0.0.1:%s"\n[[scorers]]\nurl = "http://127.0.0.1:%s"\n' "${ports[@]}"; } > "$dir/fleet-2.toml"
ticks=$(getconf CLK_TCK)
cpu_of() { local sum=0; for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$sum"; }
pg_pids() { pgrep -u postgres -f "postgres" | tr '\n' ' '; }

run() {  # run CONFIG ROUND
  local config=$1 round=$2 db models fleet=$dir/fleet-1.toml n=1
  case $config in
    sqlite) db=$dir/r$round.sqlite; cp "$dir/base.sqlite" "$db"; models=$dir/models-sqlite ;;
    pg1) "${as[@]}" "$pgbin/createdb" -h "$dir/pg" -U headroom -T base "r${round}a"; db=$(pg "r${round}a"); models=$dir/models-pg ;;
    pg2) "${as[@]}" "$pgbin/createdb" -h "$dir/pg" -U headroom -T base "r${round}b"; db=$(pg "r${round}b"); models=$dir/models-pg; fleet=$dir/fleet-2.toml; n=2 ;;
  esac
  pids=()
  for i in $(seq 0 $((n - 1))); do
    shard=(); [ "$n" -gt 1 ] && shard=(--shard "$i/$n")
    "$bin/headroom-scorer" serve --db "$db" --models "$models" --pops "$fleet" --listen "127.0.0.1:${ports[$i]}" \
      --token-file "$dir/token" --max-workloads 0 "${shard[@]}" > "$dir/$config-$round-$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 0 $((n - 1))); do
    for _ in $(seq 1 600); do curl -fsS "http://127.0.0.1:${ports[$i]}/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  done
  local scorers=("${pids[@]}") endpoints
  endpoints=$(for i in $(seq 0 $((n - 1))); do printf '127.0.0.1:%s,' "${ports[$i]}"; done); endpoints=${endpoints%,}
  local c0 p0 t0 c1 p1 t1
  c0=$(cpu_of "${scorers[@]}"); p0=$([ "$config" = sqlite ] && echo 0 || cpu_of $(pg_pids)); t0=$(date +%s.%N)
  python3 bench/service/loadgen.py --scorers "$endpoints" --token "$token" --series-db "$dir/base.sqlite" --clients "$CLIENTS" \
    --rate "$RATE" --duration "$DURATION" --batch "$BATCH" > "$dir/$config-$round.json"
  c1=$(cpu_of "${scorers[@]}"); p1=$([ "$config" = sqlite ] && echo 0 || cpu_of $(pg_pids)); t1=$(date +%s.%N)
  for p in "${scorers[@]}"; do kill -TERM "$p"; wait "$p" 2>/dev/null || true; done
  pids=()
  python3 - "$dir/$config-$round.json" "$config" "$round" "$c0" "$c1" "$p0" "$p1" "$t0" "$t1" "$ticks" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))
config, round_ = sys.argv[2], sys.argv[3]
c0, c1, p0, p1 = (int(x) for x in sys.argv[4:8])
t0, t1, ticks = float(sys.argv[8]), float(sys.argv[9]), int(sys.argv[10])
wall = t1 - t0
scorer_cpu = (c1 - c0) / ticks
acked = load["samples_acknowledged"]
print(f"RESULT {config:6s} round {round_}: {load['achieved_samples_per_second']:8.1f} samples/s acknowledged "
      f"({acked} of {load['samples_sent']} sent; 2xx {load['requests_2xx']}/{load['requests']}), "
      f"latency median {load['latency_ms']['median']} ms p99 {load['latency_ms']['p99']} ms, "
      f"scorers {scorer_cpu / wall:.2f} cores, PostgreSQL {(p1 - p0) / ticks / wall:.2f} cores, "
      f"{acked / scorer_cpu if scorer_cpu else float('nan'):.0f} samples per scorer CPU-second")
PY
}

for round in $(seq 1 "$rounds"); do
  for config in sqlite pg1 pg2; do run "$config" "$round"; done
done
