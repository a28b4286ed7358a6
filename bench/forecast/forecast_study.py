#!/usr/bin/env python3
"""Forecast study for issue 11 item 3: p50 / p90 / p99 forecasts of 5-minute CPU (cores) and memory (bytes),
1..12 steps ahead, scored exactly like /work/shared/eval/score_exports.py (forecasts part).

Chosen method ("adaptive-window median", AWM), per series, from its own samples only:
  candidates c = rolling medians of the last w_c samples, w in CANDS; the p50 for step k is the candidate
  whose exponentially weighted (half-life HL samples) mean absolute k-step error is the smallest so far;
  p90 / p99 = p50 + m[tau,k] * (that candidate's EW k-step MAE), where m is tracked online per series by
  adaptive conformal / quantile tracking (step ETA). See README.md for the exact spec.

Protocol: every choice (HL, candidate set, ETA, the fixed-window baselines' widths) is made on the validation
weeks 2013-08-02 and 2013-08-09 with the "trained" VMs (id % 4 == 0) only; the reported weeks 2013-08-16 and
2013-08-23 are scored once, for trained VMs, unseen VMs (id % 4 == 2) and all 250.

  python3 bench/forecast/forecast_study.py --data /tmp/fc-data/bitbrains-rnd [--arima /tmp/fc-out/arima] --out bench/forecast/results

(--arima: directory written by arima_baseline.py, run with a venv holding statsforecast; optional.)
Deterministic: no randomness anywhere. numpy only.
"""
import argparse, glob, json, os, sys, time, warnings
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view as swv
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fc_common import *

CANDS = [1, 3, 6, 12, 24, 48, 96, 288]        # window widths (samples); 1 = last value
HLS = [36, 144, 288, 864]                      # half-lives of the EW error (samples) tried on validation
CAND_SETS = {'3..288': [1, 2, 3, 4, 5, 6, 7], '1..288': [0, 1, 2, 3, 4, 5, 6, 7]}   # indices into CANDS
ETAS = [0.0, 0.005, 0.02, 0.05, 0.1]           # quantile-tracking steps tried on validation
M_INIT = {0.90: 1.5, 0.99: 4.0}                # initial multipliers (any value works after warm-up)
TAUS = (0.90, 0.99)
WEEKS = VAL_WEEKS + REP_WEEKS
NO = 7 * 24


def rows_matrix(X, t0):
    """Row-compressed (store-like) matrices: T (V, L) timestamps (+inf padding), Y[res] (V, L) values (NaN padding)."""
    V = X['cpu'].shape[0]
    rows = [np.where(np.isfinite(X['cpu'][v]))[0] for v in range(V)]
    L = max(len(r) for r in rows)
    T = np.full((V, L), np.inf); Y = {r: np.full((V, L), np.nan) for r in RES}
    for v in range(V):
        n = len(rows[v]); T[v, :n] = t0 + STEP * rows[v]
        for r in RES: Y[r][v, :n] = X[r][v, rows[v]]
    return T, Y


def rolling_medians(Y):
    """M[c, v, i] = median of Y[v, max(0, i - w_c + 1) .. i] (the samples seen so far if fewer than w_c)."""
    M = np.full((len(CANDS),) + Y.shape, np.nan)
    for ci, w in enumerate(CANDS):
        if w == 1: M[ci] = Y; continue
        for a in range(0, Y.shape[0], 10):
            M[ci, a:a + 10, w - 1:] = np.median(swv(Y[a:a + 10], w, axis=1), -1)
        for i in range(min(w - 1, Y.shape[1])):
            M[ci, :, i] = np.median(Y[:, :i + 1], 1)
    return M


def origin_index(T):
    """OI[v, row] = week * 168 + origin number for the rows that are hourly origins of a week (else -1)."""
    V, L = T.shape; OI = np.full((V, L), -1)
    for wi, (_, W) in enumerate(WEEKS):
        for v in range(V):
            t = T[v][np.isfinite(T[v])]
            for o, i in enumerate(origin_rows(t, W)):
                if i >= 0: OI[v, i] = wi * NO + o
    return OI


def ew_errors(M, Y, OI, hls):
    """Pass 1 (p50 grid): A[h, c, k, v] = EW mean over samples t of |M[c, v, t-k] - Y[v, t]| with half-life hls[h];
    returns its value at every origin row, SNAP (h, C, K, V, 4*168) (state after the origin's sample)."""
    C, V, L = M.shape; kk = np.arange(1, H + 1)
    beta = np.array([1 - 2 ** (-1 / h) for h in hls])[:, None, None, None]
    A = np.zeros((len(hls), C, H, V))
    SNAP = np.full((len(hls), C, H, V, len(WEEKS) * NO), np.nan)
    for t in range(H, L):
        y = Y[:, t]
        err = np.abs(M[:, :, t - kk] - y[None, :, None]).transpose(0, 2, 1)      # (C, K, V)
        upd = np.isfinite(err).all((0, 1))
        A[..., upd] += beta * (err[None][..., upd] - A[..., upd])
        vv = np.where(OI[:, t] >= 0)[0]
        if len(vv): SNAP[..., vv, OI[vv, t]] = A[..., vv]
    return SNAP


def awm_full(M, Y, OI, hl, cand, etas):
    """Pass 2 (the chosen p50 configuration, quantile-tracking grid): the exact online algorithm of README.md.
    Returns P50 (V, 4*168, K) and Q[tau] (E, V, 4*168, K) at the origin rows."""
    C, V, L = M.shape; kk = np.arange(1, H + 1); cand = np.array(cand); E = len(etas)
    beta = 1 - 2 ** (-1 / hl)
    eta = np.array(etas)[:, None, None]
    A = np.zeros((C, H, V))
    m = {tau: np.full((E, H, V), M_INIT[tau]) for tau in TAUS}
    ringP = np.full((H + 1, H, V), np.nan); ringQ = {tau: np.full((H + 1, E, H, V), np.nan) for tau in TAUS}
    P50 = np.full((V, len(WEEKS) * NO, H), np.nan); Q = {tau: np.full((E, V, len(WEEKS) * NO, H), np.nan) for tau in TAUS}
    vcol = np.arange(V)
    for t in range(L):
        y = Y[:, t]; ok = np.isfinite(y)
        if t >= H:
            # (1) score the forecasts issued k samples ago against y_t: EW MAE per candidate and step, quantile tracking
            err = np.abs(M[:, :, t - kk] - y[None, :, None]).transpose(0, 2, 1)   # (C, K, V)
            upd = ok & np.isfinite(err).all((0, 1))
            A[:, :, upd] += beta * (err[:, :, upd] - A[:, :, upd])
            for tau in TAUS:
                # q issued at t-k for step k: ringQ[(t-k) % (H+1)][e, k-1, v]
                qprev = np.stack([ringQ[tau][(t - k) % (H + 1)][:, k - 1, :] for k in kk], 1)   # (E, K, V)
                miss = (y[None, None, :] > qprev).astype(float)
                u = upd[None, None, :] & np.isfinite(qprev)
                m[tau] = np.where(u, m[tau] + eta * (miss - (1 - tau)), m[tau])
        # (2) forecast from this sample (M[:, :, t] already includes y_t)
        j = cand[np.argmin(A[cand], 0)]                                          # (K, V) selected candidate per step
        p50 = M[j, vcol[None, :], t]                                             # (K, V)
        D = np.take_along_axis(A, j[None], 0)[0]                                 # (K, V) its EW MAE at step k
        ringP[t % (H + 1)] = p50
        for tau in TAUS:
            ringQ[tau][t % (H + 1)] = p50[None] + m[tau] * D[None]
        vv = np.where(OI[:, t] >= 0)[0]
        if len(vv):
            P50[vv, OI[vv, t]] = p50[:, vv].T
            for tau in TAUS: Q[tau][:, vv, OI[vv, t]] = ringQ[tau][t % (H + 1)][:, :, vv].transpose(0, 2, 1)
    return P50, Q


def week_targets(T, Y, X, t0, wi, r):
    """Per week: S (V) metric scale (NaN = skipped series), I (V, 168) origin rows, Yt (V, 168, K) targets y[i+k],
    y0 (V, 168) = y[i], SN (V, 168, K) seasonal naive = the last sample at or before t_i + 300 k - 1 day."""
    W = WEEKS[wi][1]; V, L = T.shape
    I = np.full((V, NO), -1); S = np.full(V, np.nan)
    for v in range(V):
        g, t, y, s = series_rows(X[r][v], t0, W)
        if s is None or len(t) == 0: continue
        S[v] = s; I[v] = origin_rows(t, W)
    Ii = np.maximum(I, 0); vv = np.arange(V)[:, None]
    idx = Ii[:, :, None] + np.arange(1, H + 1)
    Yt = np.where(idx < L, Y[r][vv[:, :, None], np.minimum(idx, L - 1)], np.nan); Yt[I < 0] = np.nan
    y0 = np.where(I >= 0, Y[r][vv, Ii], np.nan)
    tt = T[vv, Ii][:, :, None] + STEP * np.arange(1, H + 1) - 86400
    js = np.stack([np.searchsorted(T[v], tt[v].ravel(), side='right') - 1 for v in range(V)]).reshape(tt.shape)
    SN = np.where(js >= 0, Y[r][vv[:, :, None], np.maximum(js, 0)], np.nan)
    return dict(S=S, I=I, Y=Yt, y0=y0, SN=SN)


def score(b, P, mask):
    """median over series of mean|P - y[i+k]| / s and of mean|y[i] - y[i+k]| / s (score_exports.score), and n series."""
    m = mask & np.isfinite(b['S'])
    if not m.any(): return np.nan, np.nan, 0
    Y, y0, S, Pm = b['Y'][m], b['y0'][m], b['S'][m], P[m]
    ok = np.isfinite(Y) & np.isfinite(y0)[:, :, None]
    n = ok.sum((1, 2)); keep = n > 0
    E = np.where(ok, np.abs(np.where(np.isfinite(Pm), Pm, 0) - Y), 0).sum((1, 2))[keep] / n[keep] / S[keep]
    N = np.where(ok, np.abs(y0[:, :, None] - Y), 0).sum((1, 2))[keep] / n[keep] / S[keep]
    return float(np.median(E)), float(np.median(N)), int(keep.sum())


def coverage(b, Q, mask):
    m = mask & np.isfinite(b['S'])
    ok = np.isfinite(b['Y'][m]) & np.isfinite(b['y0'][m])[:, :, None] & np.isfinite(Q[m])
    return float((b['Y'][m] <= Q[m])[ok].mean()) if ok.any() else np.nan


def load_arima(d, vms, wi, r):
    """AutoARIMA forecasts (V, 168, K) for the VMs arima_baseline.py ran (NaN elsewhere) + the mask of those VMs."""
    W = WEEKS[wi][1]; V = len(vms)
    out = {k: np.full((V, NO, H), np.nan) for k in ('mean', 'hi80', 'hi98', 'hi90', 'hi99')}
    have = np.zeros(V, bool); fit_s = []; fwd_s = []; orders = []
    for j, v in enumerate(vms):
        p = os.path.join(d, f'arima-{W}-{r}-{v}.npz')
        if not os.path.exists(p): continue
        z = np.load(p); have[j] = True
        if 'mean' not in z: continue
        for k in out: out[k][j] = z[k]
        fit_s.append(float(z['fit_s'])); fwd_s.append(float(z['fwd_s'])); orders.append(str(z['order']))
    return out, have, fit_s, fwd_s, orders


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='/tmp/fc-data/bitbrains-rnd'); ap.add_argument('--cache', default='/tmp/fc-data/grid.npz')
    ap.add_argument('--arima', default=''); ap.add_argument('--out', default=os.path.join(HERE, 'results'))
    ap.add_argument('--fc-cache', default='', help='pickle of the computed forecasts (written if absent, read if present): '
                    'lets the AutoARIMA comparison be re-scored without recomputing; delete it after changing the code')
    o = ap.parse_args()
    warnings.filterwarnings('ignore'); os.makedirs(o.out, exist_ok=True)
    t_all = time.time()
    vms, t0, X = load_grid(o.data, o.cache)
    T, Y = rows_matrix(X, t0)
    OI = origin_index(T)
    tr, un, al = vm_set(vms, 'trained'), vm_set(vms, 'unseen'), vm_set(vms, 'all')
    B = {(wi, r): week_targets(T, Y, X, t0, wi, r) for wi in range(len(WEEKS)) for r in RES}
    res = {'validation': {}, 'chosen': {}, 'report': {}}
    Ms, SN = {}, {}
    if o.fc_cache and os.path.exists(o.fc_cache):
        import pickle
        res, B, out, ebest, fixed = pickle.load(open(o.fc_cache, 'rb'))
        print('forecasts from', o.fc_cache, flush=True)
    else:
        res, B, out, ebest, fixed = compute(o, vms, T, Y, OI, B, res, Ms, tr, t_all)
        if o.fc_cache:
            import pickle
            pickle.dump((res, B, out, ebest, fixed), open(o.fc_cache, 'wb'), protocol=4)
    report(o, vms, B, out, ebest, fixed, res, tr, un, al, t_all)


def compute(o, vms, T, Y, OI, B, res, Ms, tr, t_all):
    vi = [0, 1]   # validation week indices
    # ---------------------------------------------------------------- pass 1: p50 configuration on validation
    grid = {}
    for r in RES:
        Ms[r] = rolling_medians(Y[r])
        SNAP = ew_errors(Ms[r], Y[r], OI, HLS)
        for wi in range(len(WEEKS)):
            b = B[(wi, r)]; Ii = np.maximum(b['I'], 0); vv = np.arange(len(vms))[:, None]
            b['Mo'] = Ms[r][:, vv, Ii]                                  # (C, V, 168)
            b['A'] = SNAP[..., wi * NO:(wi + 1) * NO]                   # (h, C, K, V, 168)
        for hi, hl in enumerate(HLS):
            for cs_name, cs in CAND_SETS.items():
                key = f'hl{hl}-{cs_name}'
                for wi in vi:
                    b = B[(wi, r)]; A = b['A'][hi][cs]
                    j = np.array(cs)[np.argmin(A, 0)].transpose(1, 2, 0)
                    P = b['Mo'][j, np.arange(len(vms))[:, None, None], np.arange(NO)[None, :, None]]
                    ours, nv, _ = score(b, P, tr)
                    grid.setdefault(key, {})[f'{r}-{WEEKS[wi][0]}'] = round(ours / nv, 4)
        for ci, w in enumerate(CANDS):
            for wi in vi:
                b = B[(wi, r)]; ours, nv, _ = score(b, np.repeat(b['Mo'][ci][:, :, None], H, 2), tr)
                grid.setdefault(f'fixed-med{w}', {})[f'{r}-{WEEKS[wi][0]}'] = round(ours / nv, 4)
    for k, v in grid.items(): v['mean'] = round(float(np.mean(list(v.values()))), 4)
    res['validation']['p50_grid'] = grid
    awm_keys = [k for k in grid if k.startswith('hl')]
    best = min(awm_keys, key=lambda k: grid[k]['mean'])
    hl = int(best.split('-')[0][2:]); cs = CAND_SETS[best.split('-', 1)[1]]
    fixed = {r: min(CANDS, key=lambda w: np.mean([grid[f'fixed-med{w}'][f'{r}-{WEEKS[wi][0]}'] for wi in vi])) for r in RES}
    res['chosen'].update(hl=hl, candidates=[CANDS[c] for c in cs], fixed_window=fixed)
    print('chosen p50 config', best, 'fixed', fixed, f'{time.time() - t_all:.0f}s', flush=True)
    # ---------------------------------------------------------------- pass 2: quantile tracking step on validation
    out = {}
    for r in RES:
        out[r] = awm_full(Ms[r], Y[r], OI, hl, cs, ETAS)
        # consistency: the online pass reproduces pass 1's selection at every origin
        for wi in range(len(WEEKS)):
            b = B[(wi, r)]; A = b['A'][HLS.index(hl)][cs]
            j = np.array(cs)[np.argmin(A, 0)].transpose(1, 2, 0)
            P1 = b['Mo'][j, np.arange(len(vms))[:, None, None], np.arange(NO)[None, :, None]]
            P2 = out[r][0][:, wi * NO:(wi + 1) * NO]
            okk = np.isfinite(P1) & np.isfinite(P2) & (b['I'] >= 0)[:, :, None]
            assert np.allclose(P1[okk], P2[okk], rtol=1e-9, atol=0), (r, wi)
    qgrid = {}
    for ei, eta in enumerate(ETAS):
        dev = []
        for r in RES:
            for wi in vi:
                b = B[(wi, r)]; sl = slice(wi * NO, (wi + 1) * NO)
                for tau in TAUS:
                    c = coverage(b, out[r][1][tau][ei][:, sl], tr)
                    qgrid.setdefault(f'eta{eta}', {})[f'{r}-{WEEKS[wi][0]}-p{int(tau * 100)}'] = round(c, 4)
                    dev.append(abs(c - tau) / (1 - tau))       # deviation in units of the miss rate
        qgrid[f'eta{eta}']['mean_rel_dev'] = round(float(np.mean(dev)), 4)
    res['validation']['quantile_grid'] = qgrid
    ebest = min(range(len(ETAS)), key=lambda e: qgrid[f'eta{ETAS[e]}']['mean_rel_dev'])
    res['chosen']['eta'] = ETAS[ebest]; res['chosen']['m_init'] = {str(k): v for k, v in M_INIT.items()}
    print('chosen eta', ETAS[ebest], f'{time.time() - t_all:.0f}s', flush=True)
    for b in B.values(): b.pop('A', None)        # big; not needed any more
    return res, B, out, ebest, fixed


def report(o, vms, B, out, ebest, fixed, res, tr, un, al, t_all):
    # ---------------------------------------------------------------- report weeks (scored once)
    rows = []
    for wi in (2, 3):
        wname = WEEKS[wi][0]; sl = slice(wi * NO, (wi + 1) * NO)
        for r in RES:
            b = B[(wi, r)]
            P50 = out[r][0][:, sl]; Q90 = out[r][1][0.90][ebest][:, sl]; Q99 = out[r][1][0.99][ebest][:, sl]
            fixedP = np.repeat(b['Mo'][CANDS.index(fixed[r])][:, :, None], H, 2)
            AR = None
            if o.arima:
                AR, have, fit_s, fwd_s, orders = load_arima(o.arima, vms, wi, r)
            for setname, mask in (('trained', tr), ('unseen', un), ('all', al)):
                ours, nv, n = score(b, P50, mask)
                row = dict(week=wname, resource=r, vms=setname, series=n, ours=round(ours, 4), naive=round(nv, 4),
                           ratio=round(ours / nv, 4), target_met=bool(ours <= 0.85 * nv),
                           seasonal_naive=round(score(b, b['SN'], mask)[0], 4),
                           fixed_median=round(score(b, fixedP, mask)[0], 4),
                           cov_p90=round(coverage(b, Q90, mask), 4), cov_p99=round(coverage(b, Q99, mask), 4),
                           cov_p90_monotone=round(coverage(b, np.fmax(Q90, P50), mask), 4),
                           cov_p99_monotone=round(coverage(b, np.fmax(Q99, np.fmax(Q90, P50)), mask), 4),
                           crossing_p90_below_p50=round(float((Q90 < P50)[np.isfinite(P50) & mask[:, None, None]].mean()), 4),
                           crossing_p99_below_p90=round(float((Q99 < Q90)[np.isfinite(P50) & mask[:, None, None]].mean()), 4))
                if AR is not None:
                    sub = mask & have
                    if setname != 'all' and sub.any():
                        a_ours, a_nv, a_n = score(b, P50, sub)
                        ar, _, _ = score(b, AR['mean'], sub)
                        row.update(arima_series=a_n, ours_on_arima_subsample=round(a_ours, 4), naive_on_arima_subsample=round(a_nv, 4),
                                   arima=round(ar, 4), arima_ratio=round(ar / a_nv, 4),
                                   arima_cov_p90=round(coverage(b, AR['hi80'], sub), 4), arima_cov_p99=round(coverage(b, AR['hi98'], sub), 4),
                                   ours_cov_p90_on_subsample=round(coverage(b, Q90, sub), 4),
                                   ours_cov_p99_on_subsample=round(coverage(b, Q99, sub), 4),
                                   arima_fit_s_median=round(float(np.median(fit_s)), 3) if fit_s else None,
                                   arima_forward_ms_median=round(1000 * float(np.median(fwd_s)) / NO, 3) if fwd_s else None)
                rows.append(row)
                print(json.dumps(row), flush=True)
    res['report'] = rows
    json.dump(res, open(os.path.join(o.out, 'results.json'), 'w'), indent=1)
    print(f'total {time.time() - t_all:.0f}s')


if __name__ == '__main__':
    main()
