#!/usr/bin/env bash
# Installs the system packages Headroom needs when any is missing; a no-op otherwise.
# Non-interactive; needs root (or sudo) only when something is missing.
set -euo pipefail
packages=(libopenblas-dev liblapacke-dev libsqlite3-dev zstd gzip)
# The VM runtime (docs/agent.md): QEMU, and what scripts/build-guest.sh builds the test and
# demo guest from (busybox-static for its initramfs, cpio and xz-utils to pack and unpack).
packages+=(qemu-system-x86 busybox-static cpio xz-utils)
# Prometheus as a source (issue 14, docs/prometheus.md): libsnappy-dev for remote write's
# snappy blocks (the CSnappy system-library target); the test suite runs Debian's own
# prometheus server scraping prometheus-process-exporter (PrometheusRemoteWriteTests).
# protobuf-compiler is needed only to regenerate the committed prompb code (scripts/gen-prompb.sh).
# On a host with systemd, Debian's packages also enable their services (:9090, :9256); the
# tests start their own instances on free loopback ports and do not use those.
packages+=(libsnappy-dev prometheus prometheus-process-exporter)
# The PostgreSQL backend (issue 15): the store tests run against a real server of Debian's
# postgresql package that they start themselves (initdb into a temporary directory, a Unix
# socket there, no TCP; binaries under /usr/lib/postgresql/<major>/bin). On a host with
# systemd the package also starts its own cluster on :5432; the tests do not use it.
packages+=(postgresql)
# criu is optional and not installed here: the agent uses it only where `criu check` passes
# (docs/agent.md), and its tests skip when it is absent.
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The demo's summary table and the test fixtures' generators are Python 3 scripts.
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: the Swift toolchain (6.x) must be on PATH" >&2; exit 1; }
