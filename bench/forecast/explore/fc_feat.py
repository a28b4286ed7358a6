import sys, time, numpy as np
sys.path.insert(0, '/work/wt-forecast/bench/forecast')
from fc_common import *
vms, t0, X = load_grid('/tmp/fc-data/bitbrains-rnd', '/tmp/fc-data/grid.npz')
V = len(vms)
# row-compress per VM
rows = [np.where(np.isfinite(X['cpu'][v]))[0] for v in range(V)]
L = max(len(r) for r in rows)
Tc = np.full((V, L), np.inf); Yc = {r: np.full((V, L), np.nan) for r in RES}
for v in range(V):
    n = len(rows[v]); Tc[v, :n] = t0 + STEP * rows[v]
    for r in RES: Yc[r][v, :n] = X[r][v, rows[v]]
ALPHAS = [0.5, 0.3, 0.2, 0.1, 0.05]
def ewma_all(Y, a):
    E = np.full_like(Y, np.nan); e = Y[:, 0].copy()
    for c in range(Y.shape[1]):
        y = Y[:, c]; ok = np.isfinite(y)
        e = np.where(np.isfinite(e), e, y)
        e = np.where(ok, e + a * (y - e), e); E[:, c] = e
    return E
def build(W, r, tf):
    """features for week W, resource r, transform tf: dict of (V,O,K) arrays in transformed space, plus Y, s, last"""
    Y = Yc[r]; Z = tf(Y)
    O = 7 * 24; ts = origins(0, 0, W)
    I = np.full((V, O), -1); S = np.full(V, np.nan)
    for v in range(V):
        n = len(rows[v])
        if n == 0: continue
        g, t, y, s = series_rows(X[r][v], t0, W)
        if s is None: continue
        S[v] = s; I[v] = origin_rows(t, W)
    ok = I >= 1
    Ii = np.where(ok, I, 0)
    vv = np.arange(V)[:, None]
    kk = np.arange(1, H + 1)
    idx = Ii[:, :, None] + kk
    Yt = np.where(idx < L, Y[vv[:, :, None], np.minimum(idx, L - 1)], np.nan)
    Yt[~ok] = np.nan
    yi = Y[vv, Ii]; zi = Z[vv, Ii]
    F = {'last': np.repeat(zi[:, :, None], H, 2)}
    for a in ALPHAS:
        E = ewma_all(Z, a); F[f'ew{a}'] = np.repeat(E[vv, Ii][:, :, None], H, 2)
    for w in (3, 6, 12, 24, 48, 96, 288):
        win = Ii[:, :, None] - np.arange(w)[None, None, :]
        Wv = Z[vv[:, :, None], np.maximum(win, 0)]; Wv[win < 0] = np.nan
        F[f'med{w}'] = np.repeat(np.nanmedian(Wv, 2)[:, :, None], H, 2)
        F[f'mean{w}'] = np.repeat(np.nanmean(Wv, 2)[:, :, None], H, 2)
    ti = Tc[vv, Ii]
    SD = []; S0 = []
    for d in range(1, 8):
        tt = ti[:, :, None] + STEP * kk - 86400 * d
        t00 = ti - 86400 * d
        j = np.stack([np.searchsorted(Tc[v], tt[v].ravel(), side='right') - 1 for v in range(V)]).reshape(tt.shape)
        j0 = np.stack([np.searchsorted(Tc[v], t00[v], side='right') - 1 for v in range(V)])
        sd = Z[vv[:, :, None], np.maximum(j, 0)]; sd[j < 0] = np.nan
        s0 = Z[vv, np.maximum(j0, 0)]; s0[j0 < 0] = np.nan
        SD.append(sd); S0.append(s0)
    SD = np.stack(SD); S0 = np.stack(S0)
    F['sn1'] = SD[0]; F['sn7'] = SD[6]
    F['sd1'] = F['last'] + SD[0] - S0[0][:, :, None]
    F['sd7'] = F['last'] + SD[6] - S0[6][:, :, None]
    F['prof7med'] = np.nanmedian(SD, 0); F['prof7mean'] = np.nanmean(SD, 0)
    F['sdprof'] = F['last'] + np.nanmedian(SD - S0[:, :, :, None], 0)
    return dict(F=F, Y=Yt, y=yi, S=S, ok=ok)
