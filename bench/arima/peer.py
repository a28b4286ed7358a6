#!/usr/bin/env python3
"""ARIMA fitting throughput of the Python peers, on the same input as `headroom-bench arima`.

Cases (one JSON line each on stdout):
  statsforecast_arima212  statsforecast.models.ARIMA(order=(2, 1, 2)), method CSS-ML (its default),
                          no drift (include_drift=False is its default; no mean for d = 1)
  statsforecast_auto      statsforecast.models.AutoARIMA() with its defaults (stepwise, AICc,
                          approximation=False: every candidate fitted by CSS-ML)
  statsmodels_arima212    statsmodels.tsa.arima.model.ARIMA(y, order=(2, 1, 2)).fit() (exact ML,
                          state space, trend "n" for d = 1)

Every case fits a few series first, untimed (statsforecast 1.x compiled with numba on first
use; 2.x is C++ but the warm-up costs nothing), then times the loop over all series with
time.perf_counter. One thread: threadpoolctl limits BLAS/OpenMP pools to 1 and run.sh sets
OMP/OPENBLAS/MKL_NUM_THREADS=1 before Python starts.

AICc is Hyndman's, comparable with ours: k = estimated coefficients + 1 (sigma^2),
n = len(y) - d, AICc = -2 logL + 2k + 2k(k+1)/(n-k-1), computed from each fit's
log-likelihood (statsforecast reports the same; statsmodels' own aicc counts n = len(y)).

Usage: peer.py [--input PATH] [--limit N] [--only CASE[,CASE]] [--aicc-out PREFIX]
"""

import argparse
import json
import math
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

warnings.simplefilter("ignore")

CASES = ("statsforecast_arima212", "statsforecast_auto", "statsmodels_arima212")
WARMUP = 5


def hyndman_aicc(loglik, k, n):
    aic = -2 * loglik + 2 * k
    return aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else math.inf


def fit_statsforecast_arima212(y):
    from statsforecast.models import ARIMA
    model = ARIMA(order=(2, 1, 2)).fit(y).model_
    return float(model["aicc"]), "2,1,2"


def fit_statsforecast_auto(y):
    from statsforecast.models import AutoARIMA
    model = AutoARIMA().fit(y).model_
    arma = model["arma"]
    constant = "+c" if ("drift" in model["coef"] or "intercept" in model["coef"]) else ""
    return float(model["aicc"]), f"{arma[0]},{arma[5]},{arma[1]}{constant}"


def fit_statsmodels_arima212(y):
    from statsmodels.tsa.arima.model import ARIMA
    result = ARIMA(y, order=(2, 1, 2)).fit()
    return hyndman_aicc(float(result.llf), 5, len(y) - 1), "2,1,2"


FITS = {
    "statsforecast_arima212": fit_statsforecast_arima212,
    "statsforecast_auto": fit_statsforecast_auto,
    "statsmodels_arima212": fit_statsmodels_arima212,
}


def run_case(name, series, aicc_out):
    fit = FITS[name]
    for y in series[:WARMUP]:
        fit(y)
    aiccs, orders, failures = [], {}, 0
    start = time.perf_counter()
    for y in series:
        try:
            aicc, order = fit(y)
        except Exception:  # a failed fit counts, as in ours
            failures += 1
            aiccs.append(math.nan)
            continue
        aiccs.append(aicc)
        orders[order] = orders.get(order, 0) + 1
    seconds = time.perf_counter() - start
    finite = [a for a in aiccs if math.isfinite(a)]
    if aicc_out:
        with open(f"{aicc_out}-{name}.txt", "w") as handle:
            handle.write("".join(f"{a:.10g}\n" if math.isfinite(a) else "nan\n" for a in aiccs))
    top = dict(sorted(orders.items(), key=lambda item: -item[1])[:5])
    return {"case": name, "series": len(series), "seconds": seconds, "series_per_second": len(series) / seconds,
            "mean_aicc": sum(finite) / max(len(finite), 1), "failures": failures, "top_orders": top}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", default="/work/shared/bench/arima_1000x288.csv")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--only", default=",".join(CASES))
    parser.add_argument("--aicc-out", default=None)
    args = parser.parse_args()
    cases = [c for c in args.only.split(",") if c]
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        sys.exit(f"peer.py: unknown case(s) {unknown}; choose from {CASES}")
    series = np.loadtxt(args.input, delimiter=",", max_rows=args.limit)
    series = np.atleast_2d(series).astype(np.float64)
    with threadpool_limits(limits=1):
        for name in cases:
            print(json.dumps(run_case(name, series, args.aicc_out)), flush=True)


if __name__ == "__main__":
    main()
