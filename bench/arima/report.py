#!/usr/bin/env python3
"""Turns the JSON lines of bench/arima/run.sh into bench/arima/RESULTS.md.

Medians over rounds of series per second for every case, ratios ours / peer, mean AICc,
and per-series AICc comparisons from the last round's AICc files. Target (from the issue):
ARIMA(2,1,2) and AutoARIMA at least 2x statsforecast's throughput at equal or better AICc;
"equal or better" is judged on the mean AICc over all series (ours <= peer's + 1e-3).
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess

PAIRS = [
    # (title, our case, peer case)
    ("ARIMA(2,1,2), CSS + exact ML, no drift", "arima212", "statsforecast_arima212"),
    ("ARIMA(2,1,2), CSS + exact ML, no drift", "arima212", "statsmodels_arima212"),
    ("AutoARIMA (stepwise, AICc, exact fits)", "auto", "statsforecast_auto"),
]
PEER_NAMES = {
    "statsforecast_arima212": "statsforecast `ARIMA(order=(2,1,2))` (CSS-ML)",
    "statsforecast_auto": "statsforecast `AutoARIMA()`",
    "statsmodels_arima212": "statsmodels `ARIMA(y, order=(2,1,2)).fit()`",
}


def command(args, cwd=None):
    try:
        return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60).stdout.strip()
    except Exception:
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read_aicc(path):
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return [float(line) for line in handle if line.strip()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--aicc-dir", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--ours-command", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    rounds = sorted({row["round"] for row in rows})
    per_case = {}  # case -> list of (round, result dict)
    for row in rows:
        if row["side"] == "ours":
            for case in ("arima212", "auto"):
                if case in row:
                    per_case.setdefault(case, []).append((row["round"], dict(row[case], load=row["load"], series=row["series"])))
        else:
            per_case.setdefault(row["case"], []).append((row["round"], row))
    medians = {case: statistics.median(r["series_per_second"] for _, r in results) for case, results in per_case.items()}
    median_seconds = {case: statistics.median(r["seconds"] for _, r in results) for case, results in per_case.items()}
    mean_aicc = {case: results[-1][1]["mean_aicc"] for case, results in per_case.items()}
    series_count = rows[0]["series"]

    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    commit = command(["git", "rev-parse", "--short", "HEAD"], cwd=root)
    dirty = command(["git", "status", "--porcelain", "--", "Sources", "bench"], cwd=root)
    import numpy, statsforecast, statsmodels  # noqa: E401  (the peers' environment runs this script)
    swift = command(["swift", "--version"]).splitlines()
    swift = swift[0] if swift else "unknown"
    env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_") or k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}

    out = []
    out.append("# ARIMA fitting benchmark\n")
    out.append(f"Fitting throughput on `{args.input}` ({series_count} series of 288 points, y = 100 + cumsum(AR(2)) + noise; "
               "see /work/shared/bench/README.md), one thread on both sides, the peers run in the same run after ours "
               f"in each of {len(rounds)} round(s). Throughput = series ÷ wall-clock seconds of the fitting loop "
               "(input already in memory; the peers' warm-up fits are untimed).\n")
    out.append("What is fitted (the same models on both sides):\n")
    out.append("- **ARIMA(2,1,2)** without drift (statsforecast's and statsmodels' defaults for d = 1). Ours: CSS "
               "start, then exact Gaussian ML by the Kalman filter with σ² and β profiled, BFGS with forward-difference "
               "gradients, ML started from the CSS optimum *and* from zero (`ARIMASpec.multipleStarts`, the default). "
               "statsforecast: R's CSS-ML (C++ likelihood, scipy BFGS). statsmodels: SARIMAX state space, L-BFGS.")
    out.append("- **AutoARIMA**: Hyndman–Khandakar stepwise search on AICc with KPSS for d, every candidate fitted by "
               "CSS + exact ML (statsforecast `AutoARIMA()` default `approximation=False`; ours "
               "`ARIMASpec.searchLikelihood = .exact`, the default).\n")
    out.append("A fit that throws counts in the time and as a failure; mean AICc is over the fits that succeeded. ")
    out.append("AICc is Hyndman's for every side (k = coefficients + 1 for σ², n = 287 differenced observations), "
               "computed from each fit's own log-likelihood.\n")
    out.append(f"- Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}; commit {commit}"
               f"{' (with uncommitted changes)' if dirty else ''}")
    out.append(f"- Machine: {os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.release()}")
    out.append(f"- {swift}, release build; ours: `{args.ours_command}`")
    out.append(f"- Python {platform.python_version()}, statsforecast {statsforecast.__version__}, "
               f"statsmodels {statsmodels.__version__}, numpy {numpy.__version__}")
    out.append(f"- Environment: {', '.join(f'{k}={v}' for k, v in sorted(env.items()))}")
    out.append("- Reproduce (package root): `bench/arima/run.sh` (ROUNDS=3 default; `ROUNDS=1 LIMIT=100` for a quick look)")
    if os.environ.get("BENCH_NOTE"):
        out.append(f"- Note: {os.environ['BENCH_NOTE']}")
    out.append("")

    out.append("## Rounds\n")
    out.append("| round | case | seconds | series/s | mean AICc | failed fits | load avg before |")
    out.append("|---:|---|---:|---:|---:|---:|---:|")
    for rnd in rounds:
        for case in ("arima212", "auto", "statsforecast_arima212", "statsforecast_auto", "statsmodels_arima212"):
            for r, result in per_case.get(case, []):
                if r == rnd:
                    label = f"ours `{case}`" if case in ("arima212", "auto") else PEER_NAMES[case]
                    out.append(f"| {rnd} | {label} | {result['seconds']:.2f} | {result['series_per_second']:.1f} | "
                               f"{result['mean_aicc']:.3f} | {result['failures']} | {result['load']} |")
    out.append("")

    out.append(f"## Medians over {len(rounds)} round(s) and ratios\n")
    out.append("| model | ours series/s | peer | peer series/s | ours ÷ peer | mean AICc ours | mean AICc peer |")
    out.append("|---|---:|---|---:|---:|---:|---:|")
    for title, ours, peer in PAIRS:
        if ours in medians and peer in medians:
            out.append(f"| {title} | {medians[ours]:.1f} | {PEER_NAMES[peer]} | {medians[peer]:.1f} | "
                       f"**{medians[ours] / medians[peer]:.2f}×** | {mean_aicc[ours]:.3f} | {mean_aicc[peer]:.3f} |")
    out.append("")

    out.append("## AICc, series by series (last round)\n")
    out.append("Counts of series where our AICc is lower by more than 0.001, within ±0.001, higher by more than "
               "0.001 than the peer's, and the largest differences.\n")
    out.append("| ours vs peer | lower (better) | tie | higher (worse) | largest gain | largest loss |")
    out.append("|---|---:|---:|---:|---:|---:|")
    comparisons = {}
    for title, ours, peer in PAIRS:
        a = read_aicc(os.path.join(args.aicc_dir, f"ours-{ours}.txt"))
        b = read_aicc(os.path.join(args.aicc_dir, f"peer-{peer}.txt"))
        if not a or not b or len(a) != len(b):
            continue
        diffs = [x - y for x, y in zip(a, b) if math.isfinite(x) and math.isfinite(y)]
        better = sum(d < -1e-3 for d in diffs)
        worse = sum(d > 1e-3 for d in diffs)
        comparisons[(ours, peer)] = (better, worse)
        out.append(f"| `{ours}` vs {PEER_NAMES[peer]} | {better} | {len(diffs) - better - worse} | {worse} | "
                   f"{max(0.0, -min(diffs)):.3f} | {max(0.0, max(diffs)):.3f} |")
    out.append("")

    out.append("## Targets\n")
    for title, ours, peer in PAIRS:
        if not peer.startswith("statsforecast") or ours not in medians or peer not in medians:
            continue
        ratio = medians[ours] / medians[peer]
        aicc_ok = mean_aicc[ours] <= mean_aicc[peer] + 1e-3
        met = ratio >= 2 and aicc_ok
        out.append(f"- {title}: ≥ 2× statsforecast at equal or better AICc — {ratio:.2f}× the throughput, mean AICc "
                   f"{mean_aicc[ours]:.3f} vs {mean_aicc[peer]:.3f} ({'equal or better' if aicc_ok else 'WORSE'}) — "
                   f"**{'met' if met else 'not met'}**.")
    out.append("")
    with open(args.out, "w") as handle:
        handle.write("\n".join(out))


if __name__ == "__main__":
    main()
