#!/usr/bin/env bash
# Runs the whole test suite (installs missing system packages first).
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are passed through exactly as the environment sets them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
# Interop tests read our model files with Python's safetensors package.
export HEADROOM_TEST_PYTHON="${HEADROOM_TEST_PYTHON:-$(scripts/python-env.sh)}"
# Suites run one at a time (about 1 minute): many drive real processes, sockets and cgroups
# and block threads of Swift's shared cooperative pool while they wait, which starves the
# service tests that check requests are answered during a model reload when they run beside them.
swift test --no-parallel "$@"
