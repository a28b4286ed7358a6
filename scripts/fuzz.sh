#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, with AddressSanitizer) of the parsers that read
# untrusted bytes: every importer format's row parser (fuzz-import), the scorer's
# POST /v1/samples body parser (fuzz-sample-batch) and the safetensors reader with the
# model families' checks (fuzz-safetensors), and Prometheus remote-write bodies through the
# decoder and the series assembler (fuzz-remote-write). The targets are the separate package Fuzz/
# (the main package and its tests are unaffected); see RELIABILITY.md.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s each, all four targets)
#   FUZZ_SCRATCH  build folder (default .build-fuzz)
#   FUZZ_JOBS     parallel fuzzing processes per target (default 1)
# Per target: builds it, fuzzes from Fuzz/corpus/<target> (the committed seeds) plus the
# working corpus .build-fuzz/corpus/<target> (kept between runs), then prints executions,
# exec/s, coverage (libFuzzer's cov: and ft:) and crashes. A crashing input is saved under
# .build-fuzz/artifacts/<target>/ (reproduce: the target's binary with the file as its
# argument); the script then exits with status 1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz-import fuzz-sample-batch fuzz-safetensors fuzz-remote-write)
root=$PWD
scratch=${FUZZ_SCRATCH:-.build-fuzz}
case "$scratch" in /*) ;; *) scratch="$root/$scratch" ;; esac
jobs=${FUZZ_JOBS:-1}
# One -sanitize flag: swiftc keeps only the last of several (-sanitize=fuzzer -sanitize=address
# would build without coverage instrumentation).
build=(swift build --package-path Fuzz --scratch-path "$scratch" -c debug -Xswiftc -sanitize=fuzzer,address)
bin=$("${build[@]}" --show-bin-path)
# Swift's runtime keeps metadata caches to the end: leak reports would be noise.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0}
# Swift's own crash handler fights ASan and libFuzzer for the signal: let libFuzzer report.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}

status=0
summary=()
for target in "${targets[@]}"; do
    echo "== $target: build"
    "${build[@]}" --product "$target" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|ld.gold: warning: Cannot export local symbol' || true
    [ -x "$bin/$target" ] || { echo "$target: build failed" >&2; exit 2; }
    work="$scratch/corpus/$target"
    artifacts="$scratch/artifacts/$target"
    log="$scratch/logs/$target.log"
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    before=$(ls "$artifacts" | wc -l)
    args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 -max_len=16384
          -dict="Fuzz/dict/$target.dict" -artifact_prefix="$artifacts/")
    [ "$jobs" -gt 1 ] && args+=(-jobs="$jobs" -workers="$jobs")
    echo "== $target: fuzzing for ${seconds}s (log $log)"
    set +e
    "$bin/$target" "${args[@]}" "$work" "Fuzz/corpus/$target" >"$log" 2>&1
    rc=$?
    set -e
    done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$done_line")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
    corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")
    crashes=$(( $(ls "$artifacts" | wc -l) - before ))
    line="$target: ${seconds}s, ${execs:-?} executions, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corpus:-?}, new crashes $crashes"
    echo "$line"
    summary+=("$line")
    if [ $rc -ne 0 ] || [ "$crashes" -gt 0 ]; then
        status=1
        grep -E '^==[0-9]+==ERROR|Fatal error|SUMMARY|^Test unit written' "$log" | head -5 || true
    fi
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
