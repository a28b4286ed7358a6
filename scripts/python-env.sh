#!/usr/bin/env bash
# Makes .venv-test: the Python interop checks in the tests read our files with other
# tools (safetensors + numpy), and schemathesis checks the HTTP API against its OpenAPI
# document. Installs python3-venv with apt-get when venv is missing.
# Prints the interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq --no-install-recommends python3 python3-venv >&2
fi
if ! .venv-test/bin/python -c 'import safetensors, numpy, schemathesis' >/dev/null 2>&1; then
  rm -rf .venv-test
  python3 -m venv .venv-test >&2
  .venv-test/bin/pip install -q --disable-pip-version-check numpy safetensors schemathesis >&2
fi
echo "$PWD/.venv-test/bin/python"
