#!/usr/bin/env bash
# A VM's live migration (QEMU pre-copy between two local QEMU processes over a Unix socket):
# downtime and total time against guest memory (256 MiB, 1 GiB) and the guest's dirty rate,
# with the agent's parameters (downtime-limit 300 ms, max-bandwidth = the link, 1 GB/s here)
# beside QEMU's own defaults (7.2: 300 ms, 128 MiB/s). One JSON line per run on stdout
# (agent-bench vm-migrate); BENCHMARKS.md has the table. Needs qemu-system-x86 and
# busybox-static (scripts/setup.sh). Not a test.
#   bench/vm/run.sh [GUEST_DIR]      (default .build/guest, built by scripts/build-guest.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
guest=${1:-.build/guest}
scripts/build-guest.sh "$guest" >/dev/null
swift build --product agent-bench >&2 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' >&2 || true
bench=$(swift build --show-bin-path)/agent-bench
for memory in 256 1024; do
  for dirty in 0 2048; do
    for params in agent qemu-defaults; do
      flags=()
      [[ "$params" == qemu-defaults ]] && flags+=(--qemu-defaults)
      "$bench" vm-migrate --guest "$guest" --memory-mib "$memory" --dirty-kib "$dirty" "${flags[@]}" || true
    done
  done
done
