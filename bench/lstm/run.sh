#!/usr/bin/env bash
# LSTM training benchmark: `headroom-bench lstm` against PyTorch's nn.LSTM (bench/lstm/peer.py)
# in the same run, single thread on both sides.
#
# Workload: batch 64, window 48, hidden 64, 4 inputs, single-step head of 4 outputs, pinball
# loss at tau = 0.5, clipping at norm 1, Adam; random N(0,1) data; 300 minibatches per timed
# epoch, median of 3 epochs after a warm-up (inside each program).
#
# Each of ROUNDS rounds runs, in this order: ours (default release build), ours built with
# `-target-cpu haswell` (AVX2 + FMA for the Swift glue; the C kernels pick their instruction set
# at run time in both builds; only when the CPU has
# them and TARGET_CPU is not "none"), the PyTorch peer. Reported: medians over rounds of
# sequences/s by wall clock and per CPU second (process CPU time: robust when other
# processes compete for the cores), GFLOP/s (same nominal FLOP count on both sides, see
# Sources/HeadroomBench/LSTMBench.swift), single-thread sgemm GFLOP/s measured inside our
# process in the same run, and the ratios. The table goes to stdout and to
# bench/lstm/RESULTS.md (overwritten).
#
# Usage: bench/lstm/run.sh                       (ROUNDS=3)
# Environment: ROUNDS, PYTHON (default .venv-peers/bin/python), TARGET_CPU (default haswell;
#   "none" skips the variant), HEADROOM_BENCH / HEADROOM_BENCH_TUNED (prebuilt binaries:
#   skip the builds), FLEET=0 skips the quick-profile fleet check.
# OPENBLAS_NUM_THREADS is forced to 1; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are kept as set.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
PYTHON="${PYTHON:-$ROOT/.venv-peers/bin/python}"
TARGET_CPU="${TARGET_CPU:-haswell}"
export OPENBLAS_NUM_THREADS=1

die() { echo "run.sh: error: $*" >&2; exit 1; }
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"

# --- build ------------------------------------------------------------------------------
if [[ -z "${HEADROOM_BENCH:-}" ]]; then
    echo "== building headroom-bench (release)" >&2
    (cd "$ROOT" && swift build -c release --product headroom-bench) >&2
    HEADROOM_BENCH="$(cd "$ROOT" && swift build -c release --product headroom-bench --show-bin-path)/headroom-bench"
fi
[[ -x "$HEADROOM_BENCH" ]] || die "no binary at $HEADROOM_BENCH"
if [[ "$TARGET_CPU" != "none" ]] && ! grep -qw avx2 /proc/cpuinfo; then TARGET_CPU=none; fi
if [[ "$TARGET_CPU" != "none" && -z "${HEADROOM_BENCH_TUNED:-}" ]]; then
    echo "== building headroom-bench (release, -target-cpu $TARGET_CPU) in .build/cpu-$TARGET_CPU" >&2
    (cd "$ROOT" && swift build -c release --product headroom-bench --scratch-path ".build/cpu-$TARGET_CPU" \
        -Xswiftc -target-cpu -Xswiftc "$TARGET_CPU") >&2
    HEADROOM_BENCH_TUNED="$ROOT/.build/cpu-$TARGET_CPU/release/headroom-bench"
fi

HAVE_PEER=1
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "warning: PyTorch is not importable by $PYTHON; the peer is skipped" >&2
    echo "         (python3 -m venv .venv-peers && .venv-peers/bin/pip install /opt/wheels/torch-*+cpu-*.whl)" >&2
    HAVE_PEER=0
fi

# --- rounds -----------------------------------------------------------------------------
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
result() { grep '^RESULT ' "$1" | tail -1 | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }

for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round/$ROUNDS: ours" >&2
    "$HEADROOM_BENCH" lstm | tee "$WORK/ours.$round" >&2
    if [[ "$TARGET_CPU" != "none" ]]; then
        echo "== round $round/$ROUNDS: ours, -target-cpu $TARGET_CPU" >&2
        "$HEADROOM_BENCH_TUNED" lstm | tee "$WORK/tuned.$round" >&2
    fi
    if [[ "$HAVE_PEER" == 1 ]]; then
        echo "== round $round/$ROUNDS: PyTorch" >&2
        "$PYTHON" "$HERE/peer.py" | tee "$WORK/peer.$round" >&2
    fi
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
collect() { for r in $(seq 1 "$ROUNDS"); do result "$WORK/$1.$r" "$2"; done | median; }
fmt() { printf "%.${2:-0}f" "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
pct() { awk -v a="$1" 'BEGIN {printf "%.1f%%", 100 * a}'; }

OURS_SEQ=$(collect ours seq_per_s); OURS_CPU=$(collect ours seq_per_cpu_s)
OURS_GF=$(collect ours gflops); OURS_GF_CPU=$(collect ours gflops_cpu)
OURS_SHARE=$(collect ours share); OURS_SHARE_CPU=$(collect ours share_cpu)
PEAK=$(collect ours peak); PEAK_CPU=$(collect ours peak_cpu)
SG64=$(collect ours sgemm_64x256x64); SGREC=$(collect ours sgemm_recurrent); SG1024=$(collect ours sgemm_1024)
OURS_PRED=$(collect ours predict_us); OURS_STEP=$(collect ours step_us)
FLOPS=$(result "$WORK/ours.1" flops_per_seq)

ROWS="| Headroom (default release build) | $(fmt "$OURS_SEQ") | $(fmt "$OURS_CPU") | $(fmt "$OURS_GF" 1) | $(fmt "$OURS_GF_CPU" 1) | $(pct "$OURS_SHARE") | $(pct "$OURS_SHARE_CPU") |"
if [[ "$TARGET_CPU" != "none" ]]; then
    T_SEQ=$(collect tuned seq_per_s); T_CPU=$(collect tuned seq_per_cpu_s)
    T_GF=$(collect tuned gflops); T_GF_CPU=$(collect tuned gflops_cpu)
    T_SHARE=$(collect tuned share); T_SHARE_CPU=$(collect tuned share_cpu)
    ROWS="$ROWS
| Headroom, \`-target-cpu $TARGET_CPU\` | $(fmt "$T_SEQ") | $(fmt "$T_CPU") | $(fmt "$T_GF" 1) | $(fmt "$T_GF_CPU" 1) | $(pct "$T_SHARE") | $(pct "$T_SHARE_CPU") |"
fi
if [[ "$HAVE_PEER" == 1 ]]; then
    P_SEQ=$(collect peer seq_per_s); P_CPU=$(collect peer seq_per_cpu_s)
    P_GF=$(collect peer gflops); P_GF_CPU=$(collect peer gflops_cpu); P_PRED=$(collect peer predict_us)
    P_SHARE=$(awk -v a="$P_GF" -v b="$PEAK" 'BEGIN {print a / b}')
    P_SHARE_CPU=$(awk -v a="$P_GF_CPU" -v b="$PEAK_CPU" 'BEGIN {print a / b}')
    ROWS="$ROWS
| PyTorch $("$PYTHON" -c 'import torch; print(torch.__version__)') nn.LSTM | $(fmt "$P_SEQ") | $(fmt "$P_CPU") | $(fmt "$P_GF" 1) | $(fmt "$P_GF_CPU" 1) | $(pct "$P_SHARE") | $(pct "$P_SHARE_CPU") |"
fi

verdict() {  # $1 = our seq/s, $2 = peer seq/s, $3 = our share of peak
    local vs share
    if [[ "$HAVE_PEER" == 1 ]]; then
        vs=$(awk -v a="$1" -v b="$2" 'BEGIN {print (a >= b) ? "met" : "NOT met"}')
        vs="throughput ≥ PyTorch: **$vs** (ratio $(ratio "$1" "$2"))"
    else
        vs="throughput ≥ PyTorch: not measured (no PyTorch)"
    fi
    share=$(awk -v a="$3" 'BEGIN {print (a >= 0.8) ? "met" : "NOT met"}')
    echo "$vs; ≥ 80% of sgemm peak: **$share** ($(pct "$3"))"
}

FLEET_TEXT=""
if [[ "${FLEET:-1}" != 0 ]]; then
    echo "== quick-profile fleet check" >&2
    "$HEADROOM_BENCH" lstm fleet | tee "$WORK/fleet" >&2
    FLEET_TEXT="$(grep -v '^RESULT' "$WORK/fleet")"
fi

MACHINE="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; $(uname -sr)"
OPENBLAS_PKG="$(dpkg-query -W -f='${Package} ${Version}\n' 'libopenblas0-pthread' 2>/dev/null | head -1 || true)"
SWIFT_VERSION="$(swift --version 2>/dev/null | head -1 || true)"

{
cat <<EOF
# LSTM training: Headroom vs PyTorch nn.LSTM

Generated by \`bench/lstm/run.sh\` on $(date -u +%Y-%m-%d) (${ROUNDS} rounds; each number is the median over
rounds of a per-program median of 3 timed epochs of 300 minibatches after a warm-up epoch).

- Machine: ${MACHINE}
- Environment: OPENBLAS_NUM_THREADS=1, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset},
  OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}; PyTorch \`torch.set_num_threads(1)\`
- Software: ${SWIFT_VERSION}; ${OPENBLAS_PKG:-OpenBLAS (version unknown)}
- Commands: \`headroom-bench lstm\` (release), the same built with
  \`-Xswiftc -target-cpu -Xswiftc ${TARGET_CPU}\`, \`python bench/lstm/peer.py\`

Workload: batch 64, window 48, hidden 64, 4 inputs, a single-step head of 4 outputs, pinball loss
at τ = 0.5, global-norm clipping at 1, Adam. One sequence = one window through forward, loss,
backpropagation through time and the optimiser step.

FLOPs per sequence (matrix products only, same count for both sides):
2·4H·T·(F+H) (forward gates) + 2·4H·T·(F+H) (∂W_ih, ∂W_hh) + 2·4H·T·H (∂h) + 6·H·O (head)
= ${FLOPS}.

Single-thread sgemm in the same process (best of 5, GFLOP/s): 64×256·256×64 ${SG64},
64×64·64×256 (the recurrent shape) ${SGREC}, 1024³ ${SG1024}; peak = the larger of the first
and last: ${PEAK} by wall clock, ${PEAK_CPU} by CPU time.

| program | sequences/s (wall) | sequences per CPU s | GFLOP/s (wall) | GFLOP/s (CPU) | share of sgemm peak (wall) | (CPU) |
|---|---|---|---|---|---|---|
${ROWS}

Per round (sequences/s wall / per CPU s), to show the spread on this shared machine:
$(for r in $(seq 1 "$ROUNDS"); do
    line="round $r: Headroom $(fmt "$(result "$WORK/ours.$r" seq_per_s)") / $(fmt "$(result "$WORK/ours.$r" seq_per_cpu_s)")"
    [[ "$TARGET_CPU" != "none" ]] && line="$line; tuned $(fmt "$(result "$WORK/tuned.$r" seq_per_s)") / $(fmt "$(result "$WORK/tuned.$r" seq_per_cpu_s)")"
    [[ "$HAVE_PEER" == 1 ]] && line="$line; PyTorch $(fmt "$(result "$WORK/peer.$r" seq_per_s)") / $(fmt "$(result "$WORK/peer.$r" seq_per_cpu_s)")"
    echo "- $line"
done)

Targets (default build, wall clock): $(verdict "$OURS_SEQ" "${P_SEQ:-0}" "$OURS_SHARE")

By CPU time: $(verdict "$OURS_CPU" "${P_CPU:-0}" "$OURS_SHARE_CPU")
EOF
if [[ "$TARGET_CPU" != "none" ]]; then
    echo
    echo "\`-target-cpu $TARGET_CPU\` build, wall clock: $(verdict "$T_SEQ" "${P_SEQ:-0}" "$T_SHARE")"
fi
cat <<EOF

Noise: this is a 2-core VM shared with other work. In repeated runs the PyTorch peer ranged from
≈ 12,500 to ≈ 21,700 sequences/s (it runs oneDNN's fused RNN primitive, \`aten::mkldnn_rnn_layer\`,
JIT-compiled for this CPU, not sgemm); Headroom's default build, with the C kernels, from ≈ 20,400
(under load) to ≈ 23,100 sequences/s in one morning, and the sgemm peak measured beside it from
≈ 123 to ≈ 137 GFLOP/s. Read the ratio and the share of one run, and rerun before concluding.

Inference (not a target): one 48-step window, batch 1: Headroom \`predict(window:)\` ${OURS_PRED} µs$(
    [[ "$HAVE_PEER" == 1 ]] && echo ", PyTorch ${P_PRED} µs"); Headroom online step
(\`LSTMOnlineState.step\`, what the scorer runs per sample) ${OURS_STEP} µs.

Where the time goes (perf record of the training loop, batch 64 × 48 steps × H 64, shares of the
training loop's samples; 2026-11-25, default build at ≈ 21,000 sequences/s under a load of ≈ 1.7):
80.9% in OpenBLAS's sgemm kernel (≈ 38 µs a sequence for the 4.92 MFLOP: the products run at the
micro-kernel's speed), 7.7% in OpenBLAS packing its operands (every call re-packs W_hh; cblas
has no pre-packed GEMM), 4.5% in the forward cell kernel and 2.9% in the backward one
(Sources/CLSTMKernels, AVX-512 on this CPU, chosen at run time in both builds), 1.1% filling
the bias rows, 0.6% gathering minibatches, 0.1% Adam, 2.1% the rest (loss, head, transposes,
glue). The \`-target-cpu haswell\` build is the same within noise (81.0 / 8.2 / 4.2 / 2.7%): all
elementwise work is in C now, so the Swift target CPU changes only glue. Before this work the
default build spent 16.8% in the forward cell kernel (Swift SIMD on the SSE2 baseline), 4.7% in
the backward one, 1.7% gathering, 0.6% in Adam, and reached 66.1% of peak (72.5% tuned).

What changed, each step measured in training throughput (medians of alternating runs of
\`headroom-bench lstm --train-only\`, same machine, same hour):
- cell kernels in C with AVX-512 / AVX2+FMA / portable versions behind \`__builtin_cpu_supports\`
  (one code path for training, \`predict\` and the online step): ≈ 17,700 → ≈ 22,000 sequences/s;
  forward kernel ≈ 9 µs a sequence before (Swift, SSE2) → 1.9 µs (AVX-512; AVX2+FMA 4.0, the
  portable 8-lane C 10.0, measured alone in a C loop);
- forward layout (issue 3 item 2): one sgemm for the input projections of all steps plus the
  recurrent product per step, kept: the fused per-step [x ‖ h]·[W_ih ‖ W_hh]ᵀ product was not
  clearly faster (medians of 7 alternating runs, fused vs split: 20,756 vs 20,885 right after the
  kernel change; on the final code, where both take the transposed weight copy, 23,202 vs 23,051
  (+0.7%, load ≈ 1.5) and 23,225 vs 22,895 (+1.4%, quiet): under the 2% bar every time);
- gather: prefetch every window of the minibatch before copying (1.9% → 0.5% of samples);
- the products' right operands as stored (a transposed copy of [W_ih ‖ W_hh] per pass, and the
  weight gradient computed as [X ‖ H]ᵀ·dz then transposed): +1.2% and +1.4%;
- bias fill and Adam in C (Adam bit-identical at every level): Adam 0.7% → 0.1% of samples,
  the fill (store loop instead of doubling memmoves) 1.45% → 1.1%.
Tried and dropped: the weight-gradient product in chunks of 4–16 steps while dz is in cache (no
gain), keeping the backward kernel's bias sums in registers across rows (kernel 10% slower),
reciprocal + Newton step instead of division (slower on this CPU).
What is left outside the products is ≈ 19% of the time (≈ 8.5 µs a sequence): packing is
OpenBLAS's own; the cell kernels are bound by the five rational activations per unit (forward)
and by memory traffic over the 3 MB of gates (backward).
EOF
if [[ -n "$FLEET_TEXT" ]]; then
    echo
    echo "## Quick profile end to end (\`headroom-bench lstm fleet\`)"
    echo
    echo '```'
    echo "$FLEET_TEXT"
    echo '```'
fi
} > "$HERE/RESULTS.md"

cat "$HERE/RESULTS.md"
