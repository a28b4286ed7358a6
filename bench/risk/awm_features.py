#!/usr/bin/env python3
"""Forecast-member features for the risk study: the adaptive-window median's (AWM, the scorer's
serving forecaster for CPU and memory; Sources/Forecast/Baselines/AdaptiveWindowMedian.swift,
bench/forecast/awm.py) forecast issued at every sample, reduced to its maximum over the
12-step horizon: p50, p90, p99 (published: p90 = max(q90, p50), p99 = max(q99, p90)).

Vectorised over VMs (rows padded with NaN; a NaN sample is skipped, as the Swift state skips
a missing sample). Same constants as the Swift port: windows 3…288, β = 1 − 2^(−1/864),
η = 0.1, multipliers start at 1.5 / 4.0, H = 12. The Swift scorer serves the AWM only once it
has seen H + 864 samples; these features are NaN before that (the learner then sees missing).

  awm_max_forecasts(vms) -> {vm: {'p50c','p90c','p99c','p50m','p90m','p99m'}: arrays like vms[vm]['t']}
"""
import numpy as np

WINDOWS = (3, 6, 12, 24, 48, 96, 288)
H, HL, ETA, M0 = 12, 864.0, 0.1, (1.5, 4.0)
WARM = H + int(np.ceil(HL))


def _medians(Y):
    """M[c, v, n] = median of the last min(w_c, n+1) finite samples up to the n-th finite sample of row v.
    Y is compressed (finite values first, NaN padding)."""
    from numpy.lib.stride_tricks import sliding_window_view as swv
    V, L = Y.shape
    M = np.full((len(WINDOWS), V, L), np.nan)
    for ci, w in enumerate(WINDOWS):
        for a in range(0, V, 16):
            if L >= w: M[ci, a:a + 16, w - 1:] = np.median(swv(Y[a:a + 16], w, axis=1), -1)
        for i in range(min(w - 1, L)):
            M[ci, :, i] = np.median(Y[:, :i + 1], 1)
    return M


def _awm(Y):
    """Y (V, L) compressed finite samples (NaN padding at the end). Returns max over k of p50, p90, p99 (V, L)."""
    V, L = Y.shape
    M = _medians(Y)
    C = len(WINDOWS); beta = 1 - 2 ** (-1 / HL)
    A = np.zeros((C, H, V)); m = np.stack([np.full((H, V), M0[0]), np.full((H, V), M0[1])])   # (2, H, V)
    ringM = np.full((H, C, V), np.nan)          # candidate medians at the last H samples
    ringQ = np.full((H, 2, H, V), np.nan)       # unclamped quantiles issued at the last H samples
    out = np.full((3, V, L), np.nan)
    vcol = np.arange(V); kk = np.arange(1, H + 1)
    for t in range(L):
        y = Y[:, t]; ok = np.isfinite(y)
        if not ok.any(): break
        if t >= H:
            prevM = np.stack([ringM[(t - k) % H] for k in kk], 1)          # (C, H, V): medians issued k ago
            err = np.abs(prevM - y[None, None, :])
            A = np.where(ok[None, None, :], A + beta * (err - A), A)
            prevQ = np.stack([ringQ[(t - k) % H][:, k - 1, :] for k in kk], 1)   # (2, H, V)
            miss = (y[None, None, :] > prevQ).astype(float)
            tail = np.array([0.1, 0.01])[:, None, None]
            m = np.where(ok[None, None, :], m + ETA * (miss - tail), m)
        med = M[:, :, t]                                                    # (C, V)
        ringM[t % H] = med
        j = np.argmin(A, 0)                                                 # (H, V) first minimum = smallest window
        p50 = med[j, vcol[None, :]]                                         # (H, V)
        D = np.take_along_axis(A, j[None], 0)[0]
        q = p50[None] + m * D[None]                                         # (2, H, V)
        ringQ[t % H] = q
        p90 = np.maximum(q[0], p50); p99 = np.maximum(q[1], p90)
        out[0, :, t] = p50.max(0); out[1, :, t] = p90.max(0); out[2, :, t] = p99.max(0)
        out[:, ~ok, t] = np.nan
    out[:, :, :WARM - 1] = np.nan
    return out


def awm_max_forecasts(vms):
    names = sorted(vms)
    res = {vm: {} for vm in names}
    for r, key in (('c', 'cpu'), ('m', 'mem')):
        rows = [np.flatnonzero(np.isfinite(vms[vm][key])) for vm in names]
        L = max(len(x) for x in rows)
        Y = np.full((len(names), L), np.nan)
        for v, vm in enumerate(names): Y[v, :len(rows[v])] = vms[vm][key][rows[v]]
        out = _awm(Y)
        for v, vm in enumerate(names):
            n = len(vms[vm]['t'])
            for qi, qn in enumerate(('p50', 'p90', 'p99')):
                a = np.full(n, np.nan); a[rows[v]] = out[qi, v, :len(rows[v])]
                # a skipped (NaN) sample keeps the last forecast, as the scorer's state does
                idx = np.where(np.isfinite(a), np.arange(n), 0); np.maximum.accumulate(idx, out=idx)
                a = np.where(np.arange(n) >= rows[v][0] if len(rows[v]) else False, a[idx], np.nan)
                res[vm][qn + r] = a
    return res


def check_against_reference(vms, vm, n=1200):
    """Max relative difference between this vectorised pass and awm.py's scalar AWM (Swift's spec) on one VM."""
    import os, sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'forecast'))
    from awm import AWM
    sub = {vm: dict(t=vms[vm]['t'][:n], cpu=vms[vm]['cpu'][:n], mem=vms[vm]['mem'][:n])}
    fast = awm_max_forecasts(sub)[vm]
    f = AWM(windows=WINDOWS, half_life=HL, eta=ETA, taus=(0.90, 0.99), m_init=M0, horizon=H)
    worst = 0.0
    for i, y in enumerate(sub[vm]['cpu']):
        if not np.isfinite(y): continue
        f.update(float(y))
        if i >= WARM:
            p50, (q90, q99) = f.forecast()
            p90 = [max(a, b) for a, b in zip(q90, p50)]; p99 = [max(a, b) for a, b in zip(q99, p90)]
            for ref, got in ((max(p50), fast['p50c'][i]), (max(p90), fast['p90c'][i]), (max(p99), fast['p99c'][i])):
                worst = max(worst, abs(ref - got) / max(1e-12, abs(ref)))
    return worst


if __name__ == '__main__':
    import pickle, sys
    vms = pickle.load(open(sys.argv[1] if len(sys.argv) > 1 else '/tmp/research-data/vms.pkl', 'rb'))
    print('max relative difference vs awm.py:', check_against_reference(vms, sorted(vms)[3]))
