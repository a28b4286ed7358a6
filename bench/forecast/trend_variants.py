#!/usr/bin/env python3
"""The adaptive-window median's p50 selection with extra trend candidates (awm_trend.py), against
naive, on a family's development slice: each listed workload's samples before UNTIL, origins every
12 samples from sample 96, the judge's metric (score_exports.py: median over series of the
1-12-step MAE scaled by the series' mean |diff|, ours over naive's).

    python3 bench/forecast/trend_variants.py STORE.sqlite NAMES_FILE UNTIL cpu_cores|memory_bytes [FIRST_ORIGIN]

A trend candidate m: the median of the last m samples plus the slope between it and the median of
the m before, extrapolated to step k ((m - 1)/2 + k steps; damped: sum of damp^j). Study only: not
ported (bench/forecast/results/trend-variants-20261207.txt).
"""
import sys, numpy as np
sys.path.insert(0, __file__.rsplit('/', 1)[0])
from awm_trend import AWMT
from fc_common import presplit_series
db, names_file, until, res = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
start_origin = int(sys.argv[5]) if len(sys.argv) > 5 else 96
H = 12
variants = {'awm': dict(), 'tr12': dict(trends=(12,)), 'tr6,24': dict(trends=(6, 24)), 'tr12,48': dict(trends=(12, 48)),
            'tr6,24d.9': dict(trends=(6, 24), damp=0.9)}
res_o = {v: [] for v in variants}; res_n = []
for w, y, s in presplit_series(db, names_file, until, res, start_origin + 24):
    origins = set(range(start_origin, len(y) - 1, 12))
    n = [abs(y[i] - y[i + k]) for i in sorted(origins) for k in range(1, H + 1) if i + k < len(y)]
    res_n.append(np.mean(n) / s)
    for v, kw in variants.items():
        f = AWMT(H=H, **kw); e = []
        for t in range(len(y)):
            f.update(float(y[t]))
            if t in origins:
                p = f.forecast(); e += [abs(p[k - 1] - y[t + k]) for k in range(1, H + 1) if t + k < len(y)]
        res_o[v].append(np.mean(e) / s)
mn = np.median(res_n)
print(res, len(res_n), 'naive', round(mn, 3), ' '.join(f"{v}={np.median(o)/mn:.3f}" for v, o in res_o.items()), flush=True)
