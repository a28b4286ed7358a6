#!/usr/bin/env bash
# The live scenario, one command (root, cgroup v1 or v2):
#   scripts/live-scenario.sh [--policy predictive|reactive] [--kind process|vm]
# Two local POPs (cgroups headroom-live/live-a and live-b), the scorer with a trained model,
# the agent, and the memory-growing example workload in live-a, whose memory limit it
# outgrows in about a minute. Prints ONE JSON line on stdout:
#   {"policy":…, "oom_kills":…, "migrations":…, "downtime_ms":…, "output_identical":…}
# (output_identical compares the final output with an uninterrupted run's).
# With --kind vm the workload is a virtual machine (QEMU, the guest of scripts/build-guest.sh)
# whose guest grows its working set until QEMU outgrows live-a's memory; a move is QEMU's
# live migration, and the line is
#   {"policy":…, "kind":"vm", "oom_kills":…, "migrations":…, "strategy":…, "downtime_ms":…,
#    "transferred_bytes":…, "output_identical":…, "max_heartbeat_gap_ms":…}
# (the guest's serial output against an uninterrupted QEMU run's; the longest time between
# two heartbeat lines as the host saw them arrive). Everything else
# goes to stderr and to $HEADROOM_LIVE_DIR (default /tmp/headroom-live): logs, the fleet
# file, the agent's state (journal.jsonl, status.json). A trained model in
# $HEADROOM_LIVE_DIR/models is reused; delete it to retrain.
# Knobs (environment): HEADROOM_LIVE_PORT (8917), HEADROOM_LIVE_TIMEOUT seconds (600),
# HEADROOM_LIVE_BIN (a directory with the built tools: skips the setup and the build; the
# test suite's LiveScenarioTests passes its own build).
set -euo pipefail
cd "$(dirname "$0")/.."
policy=predictive
kind=process
while [[ $# -gt 0 ]]; do
  case "$1" in
    --policy) policy="$2"; shift 2 ;;
    --kind) kind="$2"; shift 2 ;;
    *) echo "usage: $0 [--policy predictive|reactive] [--kind process|vm]" >&2; exit 64 ;;
  esac
done
[[ "$kind" == process || "$kind" == vm ]] || { echo "--kind: process or vm" >&2; exit 64; }
[[ "$policy" == predictive || "$policy" == reactive ]] || { echo "--policy: predictive or reactive" >&2; exit 64; }
[[ $(id -u) -eq 0 ]] || { echo "the agent creates cgroups: run as root (docs/agent.md)" >&2; exit 1; }

work=${HEADROOM_LIVE_DIR:-/tmp/headroom-live}
port=${HEADROOM_LIVE_PORT:-8917}
timeout_seconds=${HEADROOM_LIVE_TIMEOUT:-600}
mkdir -p "$work"
log() { echo "live-scenario: $*" >&2; }

if [[ -n "${HEADROOM_LIVE_BIN:-}" ]]; then
  bin=$HEADROOM_LIVE_BIN
else
  scripts/setup.sh >&2
  log "building"
  swift build >&2 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2 || true
  bin=$(swift build --show-bin-path)
fi
for tool in headroom-trainer headroom-scorer headroom-agent headroom-launch headroom-example-aggregate; do
  [[ -x "$bin/$tool" ]] || { echo "missing $bin/$tool after the build" >&2; exit 1; }
done

# 1. A model: trained once on the bundled Bitbrains week (smoke profile), then reused.
db="$work/headroom.sqlite"
models="$work/models"
if ! "$bin/headroom-trainer" models list --db "$db" --models "$models" --json 2>/dev/null | grep -q '"status" *: *"promoted"'; then
  log "training a small model on the bundled data (once)"
  rm -rf "$models" "$db" "$db-wal" "$db-shm"
  "$bin/headroom-trainer" import --db "$db" --format bitbrains --prefix bitbrains- datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst >&2
  "$bin/headroom-trainer" train --db "$db" --models "$models" --profile smoke --until 2013-08-16T00:00:00Z >&2
  "$bin/headroom-trainer" promote --db "$db" --models "$models" --latest >&2
fi

if [[ "$kind" == vm ]]; then
  # The VM variant shares the build and the model (above); the rest is its own.
  export HL_POLICY=$policy HL_WORK=$work HL_BIN=$bin HL_PORT=$port HL_TIMEOUT=$timeout_seconds HL_DB=$db HL_MODELS=$models
  exec bash scripts/live-scenario-vm.sh
fi

# 2. The workload's input and the reference output of an uninterrupted run.
data="$work/data"
if [[ ! -d "$data/bitbrains-rnd" ]]; then
  mkdir -p "$data"
  tar -I zstd -xf datasets/bitbrains-rnd-40vms-2013-07-08.tar.zst -C "$data" \
    bitbrains-rnd/2013-7/1.csv bitbrains-rnd/2013-8/1.csv bitbrains-rnd/2013-7/6.csv bitbrains-rnd/2013-8/6.csv
fi
reference="$work/reference.txt"
[[ -s "$reference" ]] || "$bin/headroom-example-aggregate" --output "$reference" "$data/bitbrains-rnd"

# 3. The fleet file: POP live-a is 160 MiB, the workload holds 8 KiB per row (≈ 34 600
#    rows, paced at ≈ 290 rows/s): it passes 160 MiB after about a minute and needs ≈ 300 MiB
#    by the end; live-b has 768 MiB.
state="$work/state-$policy"
rm -rf "$state" "$work/output-$policy.txt"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token"
fleet="$work/fleet-$policy.toml"
cat > "$fleet" <<TOML
[[pops]]
name = "live-a"
price_per_hour = 0.10
strategies = ["checkpoint_restart", "partition"]
[pops.capacity]
cpu_cores = 1
memory_bytes = 167_772_160

[[pops]]
name = "live-b"
price_per_hour = 0.20
strategies = ["checkpoint_restart", "partition"]
[pops.capacity]
cpu_cores = 1
memory_bytes = 805_306_368

[[links]]
from = "live-a"
to = "live-b"
bandwidth_bytes_per_second = 1_000_000_000
latency_seconds = 0.0001

[agent]
scorer_url = "http://127.0.0.1:$port"
token_file = "$work/token"
pops = ["live-a", "live-b"]
sample_interval_seconds = 1
state_directory = "$state"
cgroup_prefix = "headroom-live"
launcher = "$bin/headroom-launch"

[[workloads]]
name = "aggregate"
pop = "live-a"
argv = ["$bin/headroom-example-aggregate", "--pace-rows", "29", "--pace-ms", "100", "--hold-bytes-per-row", "8192", "$data/bitbrains-rnd"]
output_argument = "--output"
output = "$work/output-$policy.txt"
[workloads.limits]
cpu_cores = 1
memory_bytes = 167_772_160
[workloads.checkpoint]
dir_argument = "--checkpoint-dir"
resume_argument = "--resume"
signal = "SIGUSR1"
timeout_seconds = 30
TOML

# 4. The scorer.
scorer_db="$work/scorer-$policy.sqlite"
rm -f "$scorer_db" "$scorer_db-wal" "$scorer_db-shm"
cp "$db" "$scorer_db"
# The agent samples every second: the workload's grid is 1 s (its forecast horizon of 12
# steps is 12 seconds); the reactive policy acts only on a breach under way.
policy_flags=(--cooldown-seconds 10 --policy "$policy" --new-workload-interval-seconds 1)
"$bin/headroom-scorer" serve --db "$scorer_db" --models "$models" --pops "$fleet" --listen "127.0.0.1:$port" \
  --token-file "$work/token" "${policy_flags[@]}" > "$work/scorer-$policy.log" 2>&1 &
scorer_pid=$!
agent_pid=
cleanup() {
  [[ -n "$agent_pid" ]] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  kill -TERM "$scorer_pid" 2>/dev/null && wait "$scorer_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the scorer did not start; see $work/scorer-$policy.log" >&2; exit 1; }

# 5. The agent, until the workload finishes (or fails, or the timeout).
log "policy $policy: agent running (logs: $work/agent-$policy.log)"
"$bin/headroom-agent" run --config "$fleet" --exit-when-done > "$work/agent-$policy.log" 2>&1 &
agent_pid=$!
deadline=$((SECONDS + timeout_seconds))
while kill -0 "$agent_pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 1; done
if kill -0 "$agent_pid" 2>/dev/null; then log "timed out after $timeout_seconds s; stopping the agent"; fi
cleanup
agent_pid=
trap - EXIT

# 6. One JSON line.
python3 - "$policy" "$state/status.json" "$reference" "$work/output-$policy.txt" <<'PY'
import json, sys, os
policy, status_path, reference, output = sys.argv[1:]
w = json.load(open(status_path))["workloads"]["aggregate"] if os.path.exists(status_path) else {}
identical = os.path.exists(output) and open(reference, "rb").read() == open(output, "rb").read()
print(json.dumps({"policy": policy, "oom_kills": w.get("oom_kills"), "migrations": w.get("migrations"),
                  "downtime_ms": round(w.get("downtime_ms", 0)), "output_identical": identical}))
PY
