#!/usr/bin/env python3
"""Cold start of the adaptive-window median (AWM): how good are its p50 and its p90/p99 band
on a series' first samples, and does a bias-corrected error average fix the band?

The Swift AWM (`AdaptiveWindowMedian`) serves a series once it has seen 876 samples (the
horizon plus one half-life of its error averages, which start at 0 and are far too small
before that). A Google 2011 job is 288 samples long, so the median never serves it, and a
workload appearing mid-trace waits three days for it. Here every series starts fresh and
the forecasts issued after n samples are binned by n:

- p50: median over series of the 1-12-step MAE of the AWM's p50 / of naive (last value),
  the judge's metric (score_exports.py: the ratio of the two medians), per bin of n;
- coverage of p90 / p99 per bin, with the error averages as now (`plain`) and divided by
  1 - (1 - beta)^u after u updates (`corrected`, Adam's bias correction; the argmin over
  candidates, hence the p50, is the same in both).

    python3 bench/forecast/coldstart.py STORE.sqlite [--from T] [--samples N] [--prefix P]

Tuning data only: Bitbrains from 2013-07-20 (before the tuning week 08-09 and the reported
weeks 08-16 / 08-23), and the development traces of the other families in ../shared/datasets.
"""
import argparse, math, sqlite3, sys
import numpy as np
sys.path.insert(0, __file__.rsplit('/', 1)[0])
from awm import AWM

BINS = [(12, 24), (24, 48), (48, 96), (96, 192), (192, 288), (288, 576), (576, 876), (876, 10**9)]


def run(series, H=12, every=1):
    """Per series and bin: [sum |p50 err|, sum |naive err|, count, p90 hits, p99 hits] for both variants."""
    out = []
    for y in series:
        y = y[np.isfinite(y)]
        stats = {v: np.zeros((len(BINS), 5)) for v in ('plain', 'corrected')}
        for variant in stats:
            f = AWM(half_life=864.0, eta=0.1, horizon=H, unbias=variant == 'corrected')
            for t, v in enumerate(y):
                f.update(float(v))
                n = t + 1
                if n < BINS[0][0] or t + H >= len(y) or n % every: continue
                b = next(i for i, (lo, hi) in enumerate(BINS) if lo <= n < hi)
                p50, (q90, q99) = f.forecast()
                fut = y[t + 1:t + 1 + H]
                s = stats[variant][b]
                s[0] += np.abs(np.array(p50) - fut).sum(); s[1] += np.abs(v - fut).sum(); s[2] += H
                s[3] += (fut <= np.maximum(q90, p50)).sum(); s[4] += (fut <= np.maximum(np.maximum(q99, q90), p50)).sum()
        scale = np.mean(np.abs(np.diff(y))) if len(y) > 2 else 0
        if scale > 1e-9 * max(1.0, float(np.max(np.abs(y)))): out.append((stats, scale))
    return out


def report(name, res):
    print(f'\n{name}: {len(res)} series')
    print('| samples seen | series | AWM p50 / naive (median scaled MAE) | p90 cov plain / corrected | p99 cov plain / corrected |')
    print('|---|---:|---|---|---|')
    for b, (lo, hi) in enumerate(BINS):
        ours, naive, cov = [], [], {v: [0, 0, 0] for v in ('plain', 'corrected')}
        for stats, scale in res:
            s = stats['plain'][b]
            if s[2] == 0: continue
            ours.append(s[0] / s[2] / scale); naive.append(s[1] / s[2] / scale)
            for v in cov:
                c = stats[v][b]; cov[v][0] += c[3]; cov[v][1] += c[4]; cov[v][2] += c[2]
        if not ours: continue
        mo, mn = np.median(ours), np.median(naive)
        hi_s = '…' if hi > 10**8 else str(hi)
        print(f"| [{lo}, {hi_s}) | {len(ours)} | {mo:.3f} / {mn:.3f} = **{mo / mn:.2f}** | "
              f"{cov['plain'][0] / cov['plain'][2]:.3f} / {cov['corrected'][0] / cov['corrected'][2]:.3f} | "
              f"{cov['plain'][1] / cov['plain'][2]:.3f} / {cov['corrected'][1] / cov['corrected'][2]:.3f} |")


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('db'); ap.add_argument('--from', dest='start', type=int, default=0)
    ap.add_argument('--samples', type=int, default=1200); ap.add_argument('--prefix', default='')
    ap.add_argument('--every', type=int, default=1); ap.add_argument('--limit', type=int, default=0)
    a = ap.parse_args()
    c = sqlite3.connect(a.db)
    ids = [i for (i,) in c.execute('select id from workloads where name like ? order by name', (a.prefix + '%',))]
    if a.limit: ids = ids[:a.limit]
    for col in ('cpu_cores', 'memory_bytes'):
        series = []
        for i in ids:
            rows = c.execute(f'select {col} from samples where workload_id = ? and timestamp >= ? order by timestamp limit ?',
                             (i, a.start, a.samples)).fetchall()
            series.append(np.array([np.nan if r[0] is None else r[0] for r in rows], float))
        series = [s for s in series if np.isfinite(s).sum() > 40]
        if series: report(f'{a.db} {col} from {a.start}', run(series, every=a.every))
