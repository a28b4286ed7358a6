#!/usr/bin/env python3
"""hmmlearn peer for the HMM benchmark (bench/hmm/run.sh runs it beside `headroom-bench hmm`).

GaussianHMM, 4 states, diagonal covariance, hmmlearn defaults otherwise (covars_prior=1e-2,
implementation="log"), n_iter=50 and tol=-inf from the SAME initial parameters as ours
(written by `headroom-bench hmm --write-init FILE`, init_params=""), single thread
(threadpoolctl limits BLAS to 1 thread; run.sh also sets OPENBLAS_NUM_THREADS=1 and keeps
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as set).

Why tol=-inf and not tol=0: hmmlearn stops when delta < tol, and from this start EM
converges within ~10 iterations, after which the log-likelihood moves by rounding only
(±1e-11) — with tol=0 hmmlearn stopped after 8 iterations on the first decrease. -inf makes
all 50 iterations run, like our tolerance 0. The script checks the iteration count.

Timed: fit() (median of --repeats after one warm-up; wall and thread CPU time), and
score() on a 48-step window (the first 48 steps of sequence 0), µs per call, median of 7
batches. Prints one machine-readable RESULT line.
"""

import argparse
import json
import statistics
import time

import hmmlearn
import numpy as np
from hmmlearn.hmm import GaussianHMM
from threadpoolctl import threadpool_limits

SEQUENCES, STEPS, DIMENSION, STATES, ITERATIONS, WINDOW = 20, 500, 4, 4, 50, 48


def make_model(init):
    model = GaussianHMM(n_components=STATES, covariance_type="diag", n_iter=ITERATIONS, tol=-np.inf,
                        init_params="", params="stmc", implementation="log")
    model.startprob_ = np.array(init["start"])
    model.transmat_ = np.array(init["transition"])
    model.means_ = np.array(init["means"])
    model.covars_ = np.array(init["variances"])
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", default="/work/shared/bench/hmm_20x500x4.csv")
    parser.add_argument("--init", required=True, help="initial parameters JSON from headroom-bench hmm --write-init")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    x = np.loadtxt(args.input, delimiter=",")
    assert x.shape == (SEQUENCES * STEPS, DIMENSION), x.shape
    lengths = [STEPS] * SEQUENCES
    with open(args.init) as f:
        init = json.load(f)

    with threadpool_limits(limits=1):
        make_model(init).fit(x, lengths)  # warm-up
        walls, cpus, model = [], [], None
        for _ in range(args.repeats):
            model = make_model(init)
            wall0, cpu0 = time.perf_counter(), time.thread_time()
            model.fit(x, lengths)
            cpus.append((time.thread_time() - cpu0) * 1e3)
            walls.append((time.perf_counter() - wall0) * 1e3)
        iterations = model.monitor_.iter
        if iterations != ITERATIONS:
            raise SystemExit(f"hmmlearn ran {iterations} iterations, expected {ITERATIONS}")
        final = model.score(x, lengths)
        initial = make_model(init).score(x, lengths)

        window = x[:WINDOW]
        calls = 2000
        per_call = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(calls):
                model.score(window)
            per_call.append((time.perf_counter() - t0) * 1e6 / calls)
        window_score = model.score(window)

    print(f"hmmlearn {hmmlearn.__version__} (numpy {np.__version__}) GaussianHMM diag, {ITERATIONS} iterations")
    print(f"  fit:   median {statistics.median(walls):.3f} ms over {args.repeats} runs "
          f"(min {min(walls):.3f}, max {max(walls):.3f}); thread CPU time median {statistics.median(cpus):.3f} ms")
    print(f"  score: median {statistics.median(per_call):.3f} µs per 48-step window")
    print(f"  initial log-likelihood {initial!r}, final {final!r}")
    print(f"RESULT fit_ms={statistics.median(walls)!r} fit_cpu_ms={statistics.median(cpus)!r} "
          f"score_us={statistics.median(per_call)!r} final_loglik={final!r} initial_loglik={initial!r} "
          f"window_loglik={window_score!r} iterations={iterations}")


if __name__ == "__main__":
    main()
