#!/usr/bin/env bash
# HMM benchmark: `headroom-bench hmm` (scaled Baum–Welch in Sources/Forecast/HMM) against
# hmmlearn's GaussianHMM (bench/hmm/peer.py), in the same run.
#
# Workload: /work/shared/bench/hmm_20x500x4.csv (20 sequences × 500 steps × 4 dimensions),
# 4 states, diagonal Gaussian, 50 EM iterations, both sides from the same initial
# parameters (ours: k-means, seed 0, written to a JSON file the peer reads), single thread
# (OPENBLAS_NUM_THREADS=1 here, threadpoolctl in the peer; OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE are kept as set in the environment, for both sides). Each round runs ours
# then the peer; medians are taken within each program and then across rounds, and the
# ratios are of those medians. Also timed: the log-likelihood of a 48-step window (hmmlearn
# `score()`), µs per call.
#
# Writes bench/hmm/RESULTS.md (commands, machine, numbers, final log-likelihoods of both,
# whether the target — fit at least 5× faster than hmmlearn — is met) and prints it.
#
# Usage: bench/hmm/run.sh                 (ROUNDS=3)
# Environment: ROUNDS, INPUT (the CSV), PYTHON (default .venv-peers/bin/python, needs
# hmmlearn, numpy, threadpoolctl), HMM_BENCH_BIN (a prebuilt binary taking the arguments of
# `headroom-bench hmm`; default: build headroom-bench in release and use it),
# OURS_REPEATS (default 15), PEER_REPEATS (default 5).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ROUNDS="${ROUNDS:-3}"
INPUT="${INPUT:-/work/shared/bench/hmm_20x500x4.csv}"
PYTHON="${PYTHON:-$ROOT/.venv-peers/bin/python}"
OURS_REPEATS="${OURS_REPEATS:-15}"
PEER_REPEATS="${PEER_REPEATS:-5}"

die() { echo "run.sh: error: $*" >&2; exit 1; }

[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ -r "$INPUT" ]] || die "input not found: $INPUT (set INPUT=PATH to hmm_20x500x4.csv)"
[[ -x "$PYTHON" ]] || die "$PYTHON not found: create the peers' venv (see /work/shared/bench/README.md) or set PYTHON="
"$PYTHON" -c 'import hmmlearn, numpy, threadpoolctl' 2>/dev/null \
    || die "$PYTHON lacks hmmlearn, numpy or threadpoolctl (pip install hmmlearn threadpoolctl into the venv)"

export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# --- build -------------------------------------------------------------------------------
if [[ -n "${HMM_BENCH_BIN:-}" ]]; then
    OURS=("$HMM_BENCH_BIN" hmm)
    BUILD_COMMAND="(prebuilt: HMM_BENCH_BIN=$HMM_BENCH_BIN)"
else
    echo "== building headroom-bench (release)" >&2
    (cd "$ROOT" && swift build -c release --product headroom-bench) >&2
    OURS=("$(cd "$ROOT" && swift build -c release --product headroom-bench --show-bin-path)/headroom-bench" hmm)
    BUILD_COMMAND="swift build -c release --product headroom-bench"
fi
[[ -x "${OURS[0]}" ]] || die "no binary at ${OURS[0]}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/headroom-hmm-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# --- shared start ------------------------------------------------------------------------
echo "== writing the shared initial parameters" >&2
"${OURS[@]}" --input "$INPUT" --repeats 1 --write-init "$WORK/init.json" >/dev/null

# --- rounds ------------------------------------------------------------------------------
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round/$ROUNDS: headroom" >&2
    "${OURS[@]}" --input "$INPUT" --repeats "$OURS_REPEATS" | tee "$WORK/ours.$round.txt" >&2
    echo "== round $round/$ROUNDS: hmmlearn" >&2
    "$PYTHON" "$HERE/peer.py" --input "$INPUT" --init "$WORK/init.json" --repeats "$PEER_REPEATS" \
        | tee "$WORK/peer.$round.txt" >&2
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# --- report ------------------------------------------------------------------------------
CPU_MODEL="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
SWIFT_VERSION="$(swift --version 2>/dev/null | head -1 || echo unknown)"
PEER_VERSIONS="$("$PYTHON" -c 'import hmmlearn, numpy, sys; print(f"hmmlearn {hmmlearn.__version__}, numpy {numpy.__version__}, Python {sys.version.split()[0]}")')"

WORK="$WORK" ROUNDS="$ROUNDS" INPUT="$INPUT" OUT="$HERE/RESULTS.md" CPU_MODEL="$CPU_MODEL" \
SWIFT_VERSION="$SWIFT_VERSION" PEER_VERSIONS="$PEER_VERSIONS" BUILD_COMMAND="$BUILD_COMMAND" \
OURS_CMD="${OURS[*]} --input $INPUT --repeats $OURS_REPEATS" \
PEER_CMD="$PYTHON bench/hmm/peer.py --input $INPUT --init INIT.json --repeats $PEER_REPEATS" \
LOAD_BEFORE="$LOAD_BEFORE" LOAD_AFTER="$LOAD_AFTER" NPROC="$(getconf _NPROCESSORS_ONLN)" KERNEL="$(uname -r)" \
    "$PYTHON" - <<'PY'
import os, statistics

env = os.environ
def results(side):
    rounds = []
    for r in range(1, int(env["ROUNDS"]) + 1):
        with open(f'{env["WORK"]}/{side}.{r}.txt') as f:
            line = next(l for l in f if l.startswith("RESULT "))
        rounds.append({k: float(v) for k, v in (field.split("=") for field in line.split()[1:])})
    return rounds

ours, peer = results("ours"), results("peer")
def med(rows, key): return statistics.median(row[key] for row in rows)
fit_ratio = med(peer, "fit_ms") / med(ours, "fit_ms")
cpu_ratio = med(peer, "fit_cpu_ms") / med(ours, "fit_cpu_ms")
score_ratio = med(peer, "score_us") / med(ours, "score_us")
final_ours, final_peer = ours[-1]["final_loglik"], peer[-1]["final_loglik"]
met = fit_ratio >= 5
rows = "\n".join(
    f"| {r + 1} | {o['fit_ms']:.2f} | {p['fit_ms']:.2f} | {p['fit_ms'] / o['fit_ms']:.1f}× "
    f"| {o['fit_cpu_ms']:.2f} | {p['fit_cpu_ms']:.2f} | {o['score_us']:.2f} | {p['score_us']:.2f} |"
    for r, (o, p) in enumerate(zip(ours, peer)))
report = f"""# HMM benchmark: Baum–Welch, Headroom vs hmmlearn

Written by `bench/hmm/run.sh`; do not edit by hand.

**Target: fit at least 5× faster than hmmlearn — {"MET" if met else "NOT MET"}
({fit_ratio:.1f}× on the median wall time; {cpu_ratio:.1f}× on thread CPU time).**

## Workload
- Input: `{env["INPUT"]}` — 20 sequences × 500 steps × 4 dimensions (sampled from a fixed
  4-state Gaussian HMM, numpy `default_rng(0)`).
- Model: 4 states, diagonal Gaussian emissions, 50 Baum–Welch iterations (all run: our
  tolerance 0, hmmlearn `tol=-inf`; see peer.py for why not `tol=0`), variance prior 1e-2 on
  both sides (hmmlearn's default `covars_prior`).
- Same start on both sides: our k-means initialisation (seed 0), written to JSON by
  `headroom-bench hmm --write-init` and read by the peer (`init_params=""`).
- Single thread: `OPENBLAS_NUM_THREADS=1` (and threadpoolctl in the peer);
  `OPENBLAS_CORETYPE={env.get("OPENBLAS_CORETYPE", "(unset)")}`, `OPENBLAS_L2_SIZE={env.get("OPENBLAS_L2_SIZE", "(unset)")}` as set.
- Timed: the whole fit (ours: `HMM.fit(initial:)`, 50 E+M steps plus one forward pass
  scoring the final parameters; hmmlearn: `fit()`, 50 E+M steps) and the log-likelihood of a
  48-step window (`FittedHMM.logLikelihood` / `score()`), µs per call.

## Commands
```
bench/hmm/run.sh          # ROUNDS={env["ROUNDS"]}
{env["BUILD_COMMAND"]}
{env["OURS_CMD"]}
{env["PEER_CMD"]}
```

## Machine
- CPU: {env["CPU_MODEL"]}, {env["NPROC"]} cores; Linux {env["KERNEL"]}
- {env["SWIFT_VERSION"]}; peer: {env["PEER_VERSIONS"]}
- Load average before / after: {env["LOAD_BEFORE"]} / {env["LOAD_AFTER"]} (shared machine: the
  CPU-time columns are less sensitive to other processes than wall time)

## Results (medians)
| round | ours fit ms | hmmlearn fit ms | ratio | ours CPU ms | hmmlearn CPU ms | ours score µs | hmmlearn score µs |
|---|---|---|---|---|---|---|---|
{rows}
| **median** | **{med(ours, "fit_ms"):.2f}** | **{med(peer, "fit_ms"):.2f}** | **{fit_ratio:.1f}×** | {med(ours, "fit_cpu_ms"):.2f} | {med(peer, "fit_cpu_ms"):.2f} | {med(ours, "score_us"):.2f} | {med(peer, "score_us"):.2f} |

- Fit: ours {fit_ratio:.1f}× faster (wall), {cpu_ratio:.1f}× (CPU time).
- Score on a 48-step window: ours {score_ratio:.1f}× faster.

## Agreement
- Initial log-likelihood: ours {ours[-1]["initial_loglik"]!r}, hmmlearn {peer[-1]["initial_loglik"]!r}.
- Final log-likelihood after 50 iterations: ours {final_ours!r}, hmmlearn {final_peer!r}
  (difference {abs(final_ours - final_peer):.2e}, relative {abs(final_ours - final_peer) / abs(final_peer):.1e}).
- 48-step window log-likelihood: ours {ours[-1]["window_loglik"]!r}, hmmlearn {peer[-1]["window_loglik"]!r}.
- Iterations run: ours {int(ours[-1]["iterations"])}, hmmlearn {int(peer[-1]["iterations"])}.
"""
with open(env["OUT"], "w") as f:
    f.write(report)
print(report)
PY
