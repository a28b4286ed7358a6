#!/usr/bin/env bash
# Load test of `headroom-scorer serve` (not part of CI): CLIENTS concurrent agents POST sample
# batches totalling RATE samples/s for DURATION seconds (bench/service/loadgen.py), against a
# release build serving a copy of a demo store with the fleet config/pops.demo.toml; then checks
# that none was lost: the rows added to the store's samples table equal the samples the server
# acknowledged (`accepted` summed over 2xx answers), and every request got a 2xx.
#
# Prints (and writes to $WORK/summary.json): achieved samples/s, request latency median / p99,
# the server's CPU (cores used on average over the run: utime + stime from /proc, divided by
# the wall time) and peak RSS. Exit status 1 when a sample was lost or a request failed.
#
# The demo store: DEMO_DB (and DEMO_MODELS) if given, else $WORK/demo/headroom.sqlite, built
# once (reused by later runs) the way scripts/demo.sh does: `headroom-trainer import` of the
# bundled Bitbrains VMs, `train --profile quick --until 2013-08-16`, `promote --latest`.
#
# Usage: bench/service/load.sh                 (DURATION=600 s: the ten-minute run)
#        DURATION=60 bench/service/load.sh     (a quick run)
# Environment: DURATION (600), CLIENTS (50), RATE (10000 samples/s), BATCH (100 samples per
#   request), PORT (18080), WORK (/tmp/headroom-load), DEMO_DB, DEMO_MODELS, PYTHON (python3).
# OPENBLAS_* variables are passed through as set.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DURATION="${DURATION:-600}"
CLIENTS="${CLIENTS:-50}"
RATE="${RATE:-10000}"
BATCH="${BATCH:-100}"
PORT="${PORT:-18080}"
WORK="${WORK:-/tmp/headroom-load}"
PYTHON="${PYTHON:-python3}"
die() { echo "load.sh: error: $*" >&2; exit 1; }
[[ "$DURATION" =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a positive integer (seconds), got '$DURATION'"
command -v sqlite3 >/dev/null || die "sqlite3 (the CLI) is needed to copy and count the store"

cd "$ROOT"
echo "building release binaries…" >&2
swift build -c release --product headroom-scorer 2>&1 | grep -E 'error|warning: .*Sources/' >&2 || true
swift build -c release --product headroom-trainer 2>&1 | grep -E 'error|warning: .*Sources/' >&2 || true
BIN="$(swift build -c release --show-bin-path)"
[[ -x "$BIN/headroom-scorer" && -x "$BIN/headroom-trainer" ]] || die "release build failed"

mkdir -p "$WORK"
DEMO_DB="${DEMO_DB:-$WORK/demo/headroom.sqlite}"
DEMO_MODELS="${DEMO_MODELS:-$(dirname "$DEMO_DB")/models}"
if [[ ! -f "$DEMO_DB" ]]; then
    echo "building the demo store in $DEMO_DB (once)…" >&2
    mkdir -p "$(dirname "$DEMO_DB")"
    "$BIN/headroom-trainer" import --db "$DEMO_DB" --format bitbrains --prefix bitbrains- --quiet \
        datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst >&2
    version=$("$BIN/headroom-trainer" train --db "$DEMO_DB" --models "$DEMO_MODELS" --profile quick \
        --until 2013-08-16T00:00:00Z --json --quiet | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["version"])')
    "$BIN/headroom-trainer" promote "$version" --db "$DEMO_DB" --models "$DEMO_MODELS" >&2
fi

RUN="$WORK/run"
rm -rf "$RUN"
mkdir -p "$RUN"
DB="$RUN/store.sqlite"
sqlite3 "$DEMO_DB" ".backup '$DB'"
TOKEN="load-test-token-$(date +%s)-0123456789"
printf '%s\n' "$TOKEN" > "$RUN/token"
before=$(sqlite3 "$DB" "SELECT COUNT(*) FROM samples")

"$BIN/headroom-scorer" serve --db "$DB" --models "$DEMO_MODELS" --pops config/pops.demo.toml \
    --listen "127.0.0.1:$PORT" --token-file "$RUN/token" > "$RUN/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$RUN/server.log" >&2; die "the server exited"; }
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >&2 || die "the server did not come up on port $PORT"
echo >&2

ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
cpu0=$(cpu); t0=$(date +%s.%N)
echo "load: $CLIENTS clients, $RATE samples/s, ${DURATION}s, $BATCH samples per request…" >&2
"$PYTHON" "$HERE/loadgen.py" --port "$PORT" --token "$TOKEN" --series-db "$DB" --clients "$CLIENTS" --rate "$RATE" \
    --duration "$DURATION" --batch "$BATCH" > "$RUN/loadgen.json"
cpu1=$(cpu); t1=$(date +%s.%N)
rss=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
curl -fsS "http://127.0.0.1:$PORT/metrics" > "$RUN/metrics.txt"
kill -TERM "$SERVER"; wait "$SERVER" || true
trap - EXIT

after=$(sqlite3 "$DB" "SELECT COUNT(*) FROM samples")
decisions=$(sqlite3 "$DB" "SELECT COUNT(*) FROM decisions")
"$PYTHON" - "$RUN/loadgen.json" "$before" "$after" "$cpu0" "$cpu1" "$t0" "$t1" "$ticks" "$rss" "$decisions" <<'PY' | tee "$RUN/summary.json"
import json, sys
load = json.load(open(sys.argv[1]))
before, after, cpu0, cpu1 = (int(x) for x in sys.argv[2:6])
t0, t1, ticks, rss, decisions = float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10])
stored = after - before
load["rows_added_to_store"] = stored
load["lost_samples"] = load["samples_acknowledged"] - stored
load["unacknowledged_samples"] = load["samples_sent"] - load["samples_acknowledged"] - load["samples_duplicate"]
load["server_cpu_cores"] = round((cpu1 - cpu0) / ticks / (t1 - t0), 3)
load["server_peak_rss_mib"] = round(rss / 1024, 1)
load["decisions_journaled"] = decisions
load["ok"] = (stored == load["samples_acknowledged"] and load["requests_2xx"] == load["requests"]
              and load["unacknowledged_samples"] == 0)
print(json.dumps(load, indent=2))
PY
cp "$RUN/summary.json" "$WORK/summary.json"
"$PYTHON" -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if s["ok"] else 1)' "$RUN/summary.json" \
    || die "samples lost or requests failed (see $RUN/summary.json and $RUN/server.log)"
echo "no sample lost: $(sed -n 's/.*"rows_added_to_store": \([0-9]*\).*/\1/p' "$RUN/summary.json") rows stored = samples acknowledged" >&2
