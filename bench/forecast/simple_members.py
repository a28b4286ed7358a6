#!/usr/bin/env python3
"""Simple p50 members against the adaptive-window median and naive on a family's development slice
(the same metric and origins as presplit_variants.py): means and medians of the last k samples,
simple exponential smoothing (fixed alpha, and alpha fitted on the first 96 samples), a damped Holt,
and the mean of the median and naive. Study only (results/trend-variants-20261207.txt).

    python3 bench/forecast/simple_members.py STORE.sqlite NAMES_FILE UNTIL cpu_cores|memory_bytes
"""
import sys, numpy as np
sys.path.insert(0, __file__.rsplit('/', 1)[0])
from awm import AWM
from fc_common import presplit_series
db, names_file, until, res = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
H = 12
def ses(y, a):
    l = y[0]; out = np.empty(len(y))
    for t, v in enumerate(y):
        l = l + a * (v - l); out[t] = l
    return out
def holt(y, a, b, phi):
    l, tr = y[0], 0.0; L = np.empty(len(y)); T = np.empty(len(y))
    for t, v in enumerate(y):
        lp = l + phi * tr
        l2 = lp + a * (v - lp); tr = phi * tr + b * (l2 - l - phi*tr) if t else 0.0; l = l2
        L[t] = l; T[t] = tr
    return L, T
res_o = {}; res_n = []
for w, y, s in presplit_series(db, names_file, until, res, 120):
    origins = list(range(96, len(y) - 1, 12))
    def err(pred):  # pred(i) -> array of H p50s
        e = [abs(pred(i)[k - 1] - y[i + k]) for i in origins for k in range(1, H + 1) if i + k < len(y)]
        return np.mean(e) / s
    res_n.append(err(lambda i: np.full(H, y[i])))
    cands = {}
    f = AWM(eta=0.1, horizon=H, half_life=864.0); aw = {}
    for t in range(len(y)):
        f.update(float(y[t]))
        if t in origins: aw[t] = np.array(f.forecast()[0])
    cands['awm'] = lambda i: aw[i]
    for k in (3, 6, 12):
        cands[f'mean{k}'] = (lambda k: lambda i: np.full(H, y[i - k + 1:i + 1].mean()))(k)
        cands[f'med{k}'] = (lambda k: lambda i: np.full(H, np.median(y[i - k + 1:i + 1])))(k)
    for a in (0.2, 0.4, 0.6):
        S = ses(y, a); cands[f'ses{a}'] = (lambda S: lambda i: np.full(H, S[i]))(S)
    cands['awm+naive'] = lambda i: 0.5 * (aw[i] + y[i])
    # fitted SES alpha on the prefix before the first origin (1-step error)
    best = min((np.mean(np.abs(ses(y[:96], a)[:-1] - y[1:96])), a) for a in (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0))[1]
    S = ses(y, best); cands['ses_fit'] = lambda i: np.full(H, S[i])
    L, T = holt(y, 0.5, 0.1, 0.8)
    cands['holt_d'] = lambda i: L[i] + np.array([sum(0.8 ** j for j in range(1, k + 1)) for k in range(1, H + 1)]) * T[i]
    for n, p in cands.items(): res_o.setdefault(n, []).append(err(p))
mn = np.median(res_n)
print(res, len(res_n), 'naive', round(mn, 3), ' '.join(f"{v}={np.median(o)/mn:.3f}" for v, o in res_o.items()))
