#!/usr/bin/env bash
# The live scenario for a virtual machine: `scripts/live-scenario.sh --kind vm [--policy …]`
# runs this after building the tools and training the model (it is not meant to be run
# alone; HL_* come from there). Two local POPs, live-a (288 MiB) and live-b (768 MiB); a VM
# in live-a (512 MiB of guest memory) whose guest workload (scripts/guest/hr-workload) beats
# every 100 ms and grows its working set by 640 KiB a beat up to 230 MiB: QEMU's resident
# memory passes live-a's limit after about a minute, and the kernel would OOM-kill it.
# Prints one JSON line:
#   {"policy", "kind": "vm", "oom_kills", "migrations", "strategy", "downtime_ms",
#    "transferred_bytes", "output_identical", "max_heartbeat_gap_ms"}
set -euo pipefail
policy=$HL_POLICY work=$HL_WORK bin=$HL_BIN port=$HL_PORT timeout_seconds=$HL_TIMEOUT db=$HL_DB models=$HL_MODELS
log() { echo "live-scenario (vm): $*" >&2; }
command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is missing: scripts/setup.sh installs it" >&2; exit 1; }

# 1. The guest (Debian kernel + busybox initramfs; cached) and its parameters.
guest=${HEADROOM_LIVE_GUEST:-$work/guest}   # the tests pass .build/guest (cached)
scripts/build-guest.sh "$guest" >/dev/null
beats=${HEADROOM_LIVE_VM_BEATS:-900}
append="hr.beats=$beats hr.grow_kib=640 hr.max_mib=230 hr.dirty_kib=128"
memory_mib=512

# 2. The reference: the same guest run uninterrupted by QEMU alone (cached per parameters).
key=$(cat "$guest/stamp" <(echo "$append $memory_mib") | sha256sum | cut -c1-12)
reference="$work/reference-vm-$key.serial"
if [[ ! -s "$reference" ]]; then
  log "reference run of the guest (uninterrupted; once for these parameters)"
  rm -f "$reference.tmp"
  qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot -machine pc,accel=tcg -smp 1 -m "$memory_mib" \
    -kernel "$guest/vmlinux" -initrd "$guest/initrd.cpio.gz" -append "console=ttyS1 quiet panic=-1 mitigations=off $append" \
    -chardev "file,id=serial0,path=$reference.tmp,append=on" -serial chardev:serial0 \
    -chardev "file,id=console0,path=$work/reference-vm.console,append=on" -serial chardev:console0 >&2
  mv "$reference.tmp" "$reference"
fi

# 3. The fleet file.
state="$work/state-vm-$policy"
output="$work/output-vm-$policy.serial"
rm -rf "$state" "$output"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token"
fleet="$work/fleet-vm-$policy.toml"
cat > "$fleet" <<TOML
[[pops]]
name = "live-a"
price_per_hour = 0.10
strategies = ["live", "checkpoint_restart"]
[pops.capacity]
cpu_cores = 1
memory_bytes = 301_989_888

[[pops]]
name = "live-b"
price_per_hour = 0.20
strategies = ["live", "checkpoint_restart"]
[pops.capacity]
cpu_cores = 1
memory_bytes = 805_306_368

[[links]]
from = "live-a"
to = "live-b"
bandwidth_bytes_per_second = 250_000_000
latency_seconds = 0.0001

[agent]
scorer_url = "http://127.0.0.1:$port"
token_file = "$work/token"
pops = ["live-a", "live-b"]
sample_interval_seconds = 1
state_directory = "$state"
cgroup_prefix = "headroom-live-vm"
launcher = "$bin/headroom-launch"

[[workloads]]
name = "guest"
pop = "live-a"
kind = "vm"
output = "$output"
[workloads.vm]
kernel = "$guest/vmlinux"
initrd = "$guest/initrd.cpio.gz"
vcpus = 1
memory_mib = $memory_mib
append = "$append"
[workloads.limits]
cpu_cores = 1
memory_bytes = 301_989_888
TOML

# 4. The scorer.
scorer_db="$work/scorer-vm-$policy.sqlite"
rm -f "$scorer_db" "$scorer_db-wal" "$scorer_db-shm"
cp "$db" "$scorer_db"
"$bin/headroom-scorer" serve --db "$scorer_db" --models "$models" --pops "$fleet" --listen "127.0.0.1:$port" \
  --token-file "$work/token" --cooldown-seconds 10 --policy "$policy" --new-workload-interval-seconds 1 > "$work/scorer-vm-$policy.log" 2>&1 &
scorer_pid=$!
agent_pid= watcher_pid=
cleanup() {
  [[ -n "$agent_pid" ]] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  # The watcher stops when the stop file appears (a signal may be blocked in its mask: a
  # test runner's Process passes its blocked signals down to what it starts).
  [[ -n "$watcher_pid" ]] && touch "$gaps.stop" && wait "$watcher_pid" 2>/dev/null || true
  kill -TERM "$scorer_pid" 2>/dev/null && wait "$scorer_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the scorer did not start; see $work/scorer-vm-$policy.log" >&2; exit 1; }

# 5. The heartbeat watcher (the host's clock on each serial line's arrival), then the agent.
gaps="$work/heartbeat-vm-$policy.json"
rm -f "$gaps" "$gaps.stop"
python3 - "$output" "$gaps" <<'PY' &
import json, os, sys, time
path, out = sys.argv[1:]
seen, last, longest, lines = 0, None, 0.0, 0
def finish():
    json.dump({"max_gap_ms": round(longest * 1000), "lines": lines}, open(out, "w"))
    sys.exit(0)
while True:
    if os.path.exists(out + ".stop"): finish()
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        data = b""
    n = data.count(b"\n")
    if n > seen:
        now = time.monotonic()
        if last is not None: longest = max(longest, now - last)
        last, seen, lines = now, n, n
        if b"done beats=" in data: finish()
    time.sleep(0.005)
PY
watcher_pid=$!
log "policy $policy: agent running (logs: $work/agent-vm-$policy.log)"
"$bin/headroom-agent" run --config "$fleet" --exit-when-done > "$work/agent-vm-$policy.log" 2>&1 &
agent_pid=$!
deadline=$((SECONDS + timeout_seconds))
while kill -0 "$agent_pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 1; done
if kill -0 "$agent_pid" 2>/dev/null; then log "timed out after $timeout_seconds s; stopping the agent"; fi
cleanup
agent_pid= watcher_pid=
trap - EXIT

# 6. One JSON line.
python3 - "$policy" "$state/status.json" "$reference" "$output" "$gaps" <<'PY'
import json, sys, os
policy, status_path, reference, output, gaps = sys.argv[1:]
w = json.load(open(status_path))["workloads"]["guest"] if os.path.exists(status_path) else {}
identical = os.path.exists(output) and open(reference, "rb").read() == open(output, "rb").read()
gap = json.load(open(gaps)).get("max_gap_ms") if os.path.exists(gaps) else None
print(json.dumps({"policy": policy, "kind": "vm", "oom_kills": w.get("oom_kills"), "migrations": w.get("migrations"),
                  "strategy": w.get("strategy"), "downtime_ms": round(w.get("downtime_ms", 0)),
                  "transferred_bytes": round(w.get("moved_bytes", 0)), "output_identical": identical,
                  "max_heartbeat_gap_ms": gap}))
PY
