#!/usr/bin/env python3
"""Risk-score study for issue 11 item 2 (Bitbrains Rnd, VMs 1-250, July+August 2013).

Event (as /work/shared/eval/score_exports.py scores it): per workload and scored period a
static allocation A fixed at `from` (per resource: numpy-linear 0.95 quantile of the last 288
samples before `from`, x1.2, floored at 0.05 cores / 64 MiB, capped at the VM's provisioned
limit). Label at tick i: cpu > A_cpu or mem > A_mem at any sample in (t_i, t_i + 3600].

  python bench/risk/risk_study.py [--data /tmp/research-data/bitbrains-rnd] [--dev] [--learners ...]
  python bench/risk/risk_study.py --extra --dev --learners compactonset,co+sbr3_7d,co+sbr3_7d@d6@m1000
  (--extra: the seasonal / fleet / spike-shape / rise families, README part 3)
  python bench/risk/risk_study.py --extra --dev-week 2013-08-09 --learners co+sbr3_7d@d6@m1000,co+sbr3_7d+seas@d6@m1000
  (--dev-week: tune on that week instead of 07-26, trained on every week before it; README part 4)

Needs numpy, scikit-learn, lightgbm. Seeded; prints one table of every split x scorer x metric.
"""
import argparse, os, pickle, sys, time
import numpy as np

STEP, H, DAY, WEEK = 300, 12, 288, 2016
BUNDLED = [1, 6, 11, 17, 22, 27, 32, 37, 42, 47, 52, 57, 62, 67, 72, 77, 83, 88, 93, 98, 103, 108,
           113, 118, 123, 128, 162, 169, 180, 186, 194, 199, 207, 214, 219, 224, 229, 234, 239, 244]
T0 = 1372982400  # 2013-07-05 00:00 UTC (a Friday)
PERIODS = [T0 + k * 7 * 86400 for k in range(8)]  # 07-05 ... 08-23, each 7 days
PNAME = {p: time.strftime('%m-%d', time.gmtime(p)) for p in PERIODS}
FLOOR = (0.05, 64 * 2**20)


# ----------------------------------------------------------------------------- metrics (verbatim semantics of score_exports.py)
def auc(scores, labels):
    """Mann-Whitney AUC with average ranks for ties (vectorised, same value as score_exports.auc)."""
    s = np.asarray(scores, float); y = np.asarray(labels, int)
    npos = y.sum(); nneg = len(y) - npos
    if npos == 0 or nneg == 0: return float('nan')
    order = np.argsort(s, kind='mergesort'); ss = s[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ss)) + 1]; ends = np.r_[starts[1:], len(ss)]
    rk = np.repeat((starts + ends - 1) / 2 + 1, ends - starts)
    ranks = np.empty(len(s)); ranks[order] = rk
    return float((ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def ece(p, y, bins=10):
    e = 0.0
    for b in range(bins):
        m = (p >= b / bins) & ((p < (b + 1) / bins) if b < bins - 1 else (p <= 1.0))
        if m.any(): e += m.mean() * abs(p[m].mean() - y[m].mean())
    return float(e)


def metrics(p, y, breaching_now):
    p = np.asarray(p, float); y = np.asarray(y, int)
    br = ((p - y) ** 2).mean(); bref = ((y.mean() - y) ** 2).mean()
    inprob = np.all((p >= 0) & (p <= 1))
    return dict(auc=auc(p, y), auc_nb=auc(p[~breaching_now], y[~breaching_now]),
                bss=(1 - br / bref) if inprob else float('nan'), ece=ece(p, y) if inprob else float('nan'))


# ----------------------------------------------------------------------------- data
def load(data_dir, cache):
    if os.path.exists(cache):
        return pickle.load(open(cache, 'rb'))
    vms = {}
    for vm in range(1, 251):
        parts, lim = [], None
        for mon in ('2013-7', '2013-8'):
            f = os.path.join(data_dir, mon, f'{vm}.csv')
            if not os.path.exists(f): continue
            a = np.loadtxt(f, delimiter=';', skiprows=1, ndmin=2)
            if not len(a): continue
            if lim is None:  # limits: provisioned cores and memory of the last row of the first file
                lim = (a[-1, 1], a[-1, 5] * 1024.0)
            parts.append(a)
        if not parts: continue
        a = np.concatenate(parts)
        t = a[:, 0]; t = np.where(t > 1e11, t / 1000, t)
        order = np.argsort(t, kind='stable'); a, t = a[order], t[order]
        keep = np.r_[True, np.diff(t) > 0]  # duplicates: keep the first
        a, t = a[keep], t[keep]
        cpu = a[:, 3] * a[:, 1] / a[:, 2]; mem = a[:, 6] * 1024.0
        vms[vm] = dict(t=t, cpu=cpu, mem=mem, lim=lim)
    pickle.dump(vms, open(cache, 'wb'))
    return vms


def allocation(values, limit, floor):
    a = np.quantile(values, 0.95) * 1.2  # numpy 'linear' == Swift empiricalQuantile
    a = max(a, floor)
    if np.isfinite(limit) and limit > 0: a = min(a, limit)
    return a


# ----------------------------------------------------------------------------- features
def rolling_max(x, w):
    """max of x[i-w+1 .. i] (shorter at the series start)."""
    from numpy.lib.stride_tricks import sliding_window_view as swv
    return swv(np.r_[np.full(w - 1, -np.inf), x], w).max(1)


def rolling_sum(x, w):
    c = np.r_[0.0, np.cumsum(x)]
    i = np.arange(len(x))
    return c[i + 1] - c[np.maximum(0, i + 1 - w)]


def count(x, w):
    i = np.arange(len(x))
    return (i + 1 - np.maximum(0, i + 1 - w)).astype(float)


def shift(x, k):
    """x[i - k] (NaN before the start)."""
    out = np.full(len(x), np.nan)
    if k < len(x): out[k:] = x[:len(x) - k]
    return out


def vm_stats(v):
    """Per-VM statistics of raw usage that do not depend on the allocation (computed once)."""
    t = v['t']; n = len(t)
    S = {}
    for r, x in (('c', np.nan_to_num(v['cpu'])), ('m', np.nan_to_num(v['mem']))):
        S['x' + r] = x
        for w in (H, DAY, WEEK): S[f'max{r}{w}'] = rolling_max(x, w)
        d = np.r_[0.0, np.diff(x)]
        for w in (H, DAY):  # std of the w-1 first differences inside the last w samples
            m = w - 1
            s1 = rolling_sum(d, m); s2 = rolling_sum(d * d, m); c = count(d, m)
            S[f'vol{r}{w}'] = np.sqrt(np.maximum(0, s2 / c - (s1 / c) ** 2))
        k = np.arange(H) - (H - 1) / 2  # least-squares slope over the last 12 samples (per step)
        from numpy.lib.stride_tricks import sliding_window_view as swv
        W = swv(np.r_[np.full(H - 1, x[0]), x], H)
        S[f'slope{r}'] = W @ k / (k @ k)
        # quantiles of the last day (numpy linear), only where a full day exists
        W = np.sort(swv(x, DAY), axis=1)  # row j = x[j .. j+287] -> ends at j+287
        for q in (50, 90, 99):
            p = q / 100 * (DAY - 1); lo = int(np.floor(p)); f = p - lo
            val = W[:, lo] + (W[:, min(lo + 1, DAY - 1)] - W[:, lo]) * f
            S[f'q{r}{q}'] = np.r_[np.full(DAY - 1, np.nan), val]
    return S


def period_rows(v, S, start, extra=False):
    """All scored ticks of one VM in the period [start, start + 7 days): features, label, baselines."""
    t = v['t']
    i0 = np.searchsorted(t, start)
    if i0 < DAY: return None
    fin = lambda a: a[np.isfinite(a)]
    def alloc(x, r):
        vals = fin(x[i0 - DAY:i0]); lim = v['lim'][r]
        if not len(vals): return lim if lim > 0 else np.nan
        return allocation(vals, lim, FLOOR[r])
    Ac, Am = alloc(v['cpu'], 0), alloc(v['mem'], 1)
    if not (np.isfinite(Ac) and np.isfinite(Am)): return None
    i1 = np.searchsorted(t, start + 7 * 86400)
    idx = np.arange(i0, i1)
    j = np.searchsorted(t, t[idx] + H * STEP, side='right')
    ok = j > idx + 1
    idx, j = idx[ok], j[ok]
    if len(idx) < 50: return None
    xc, xm = S['xc'] / Ac, S['xm'] / Am
    over = ((S['xc'] > Ac) | (S['xm'] > Am)).astype(float)
    cum = np.r_[0, np.cumsum(over)]
    y = (cum[j] - cum[idx + 1]) > 0
    F = {}
    F['xc'], F['xm'] = xc[idx], xm[idx]
    F['u'] = np.maximum(F['xc'], F['xm'])
    for w, nm in ((H, '1h'), (DAY, '1d'), (WEEK, '1w')):
        F[f'mxc_{nm}'], F[f'mxm_{nm}'] = S[f'maxc{w}'][idx] / Ac, S[f'maxm{w}'][idx] / Am
        F[f'br_{nm}'] = (rolling_sum(over, w) / count(over, w))[idx]
        if w == WEEK:
            short = idx < WEEK - 1
            for k in ('mxc_1w', 'mxm_1w', 'br_1w'): F[k][short] = np.nan
    F['brc_1d'] = (rolling_sum((S['xc'] > Ac).astype(float), DAY) / count(over, DAY))[idx]
    F['brm_1d'] = (rolling_sum((S['xm'] > Am).astype(float), DAY) / count(over, DAY))[idx]
    for q in (50, 90, 99):
        F[f'qc{q}_1d'], F[f'qm{q}_1d'] = S[f'qc{q}'][idx] / Ac, S[f'qm{q}'][idx] / Am
    for r, A in (('c', Ac), ('m', Am)):
        F[f'sl{r}_1h'] = S[f'slope{r}'][idx] / A
        F[f'vol{r}_1h'] = S[f'vol{r}{H}'][idx] / A
        F[f'vol{r}_1d'] = S[f'vol{r}{DAY}'][idx] / A
    # the same window yesterday / last week: samples i-L+1 .. i-L+12
    anyH = rolling_max(over, H)
    for L, nm in ((DAY, 'yd'), (WEEK, 'lw')):
        F[f'brk_{nm}'] = shift(anyH, L - H)[idx]
        F[f'mxc_{nm}'] = shift(S['maxc12'], L - H)[idx] / Ac
        F[f'mxm_{nm}'] = shift(S['maxm12'], L - H)[idx] / Am
        F[f'br3_{nm}'] = shift(rolling_sum(over, 3 * H) / (3 * H), L - 2 * H)[idx]  # i-L-11 .. i-L+24
    if 'awm' in S:   # forecast members (awm_features.py): max over the horizon of the AWM's p50/p90/p99 / allocation
        for r, A in (('c', Ac), ('m', Am)):
            for q in ('p50', 'p90', 'p99'): F[f'f{q[1:]}{r}'] = S['awm'][q + r][idx] / A
            F[f'zf{r}'] = (1 - F[f'f50{r}']) / (F[f'f99{r}'] - F[f'f50{r}'] + 1e-3)
    # breach onsets (a sample over after one not over): the base rate of a breach starting, which is
    # what a tick not breaching now waits for; and the time since the last sample over
    onset = over * (1 - np.r_[0.0, over[:-1]])
    for w, nm in ((DAY, '1d'), (WEEK, '1w')):
        F[f'on_{nm}'] = (rolling_sum(onset, w) / count(over, w))[idx]
        notover = rolling_sum(1 - over, w)
        F[f'hz_{nm}'] = (rolling_sum(onset, w) / np.maximum(1.0, notover))[idx]
    last = np.where(over > 0, np.arange(len(over)), -10**9); np.maximum.accumulate(last, out=last)
    F['tsl'] = np.log1p(np.minimum(np.arange(len(over)) - last, WEEK))[idx]
    F['dc_yd'] = F['xc'] - shift(xc, DAY)[idx]
    F['dm_yd'] = F['xm'] - shift(xm, DAY)[idx]
    eps = 1e-3
    F['zc'] = (1 - F['xc']) / (F['volc_1h'] + eps); F['zm'] = (1 - F['xm']) / (F['volm_1h'] + eps)
    F['zc_1d'] = (1 - F['xc']) / (F['volc_1d'] + eps); F['zm_1d'] = (1 - F['xm']) / (F['volm_1d'] + eps)
    sod = t[idx] % 86400
    F['tod_s'], F['tod_c'] = np.sin(2 * np.pi * sod / 86400), np.cos(2 * np.pi * sod / 86400)
    dow = ((t[idx] // 86400) + 3) % 7  # 0 = Monday
    F['weekend'] = (dow >= 5).astype(float)
    F['age'] = (idx - i0).astype(float)
    F['hist'] = idx.astype(float)
    F['capc'] = np.full(len(idx), float(v['lim'][0] > 0 and Ac >= v['lim'][0] * (1 - 1e-9)))
    F['capm'] = np.full(len(idx), float(v['lim'][1] > 0 and Am >= v['lim'][1] * (1 - 1e-9)))
    # baselines exactly as score_exports.py: util now; breach rate over samples i-288..i (+1e-6*util),
    # there with allocations only known from `from` on (earlier samples count as not over) and here in
    # the 'full' variant judged against A too; same window yesterday.
    k0 = np.maximum(0, idx - DAY)
    cs = np.r_[0, np.cumsum(over * (np.arange(len(t)) >= i0))]
    B = dict(util=F['u'],
             rate1d=(cs[idx + 1] - cs[k0]) / np.maximum(1, idx + 1 - k0) + 1e-6 * F['u'],
             rate1d_full=(cum[idx + 1] - cum[k0]) / np.maximum(1, idx + 1 - k0) + 1e-6 * F['u'],
             yday=np.nan_to_num(F['brk_yd']))
    r = dict(F=F, y=y, now=over[idx] > 0, B=B, n=len(idx))
    if extra:
        extra_features(F, t, idx, over, onset, xc, xm)
        r['_bin'] = (t[idx] // STEP).astype(np.int64)          # for the fleet features (build)
        r['_grid'] = ((t // STEP).astype(np.int64), over, onset)
    return r


# ----------------------------------------------------------------------------- extra feature families (issue 11, AUC not breaching)
def extra_features(F, t, idx, over, onset, xc, xm):
    """Per-VM families 1 (seasonal), 3 (spike shape) and the empirical-rise family, vectorised.
    Everything uses samples <= i only (the rise family: forward windows that end by i)."""
    n = len(over)
    anyH = rolling_max(over, H); anyOn = rolling_max(onset, H)
    # 1. seasonal: the next-hour window (i-k*d+1 .. i-k*d+12) on each of the last 7 days
    we = lambda tt: (((tt // 86400) + 3) % 7 >= 5)
    sb = np.zeros(len(idx)); so = np.zeros(len(idx)); cnt = np.zeros(len(idx))
    sbw = np.zeros(len(idx)); cw = np.zeros(len(idx))
    for k in range(1, 8):
        a = shift(anyH, k * DAY - H)[idx]; o = shift(anyOn, k * DAY - H)[idx]
        ok = np.isfinite(a)
        sb += np.where(ok, a, 0); so += np.where(ok, o, 0); cnt += ok
        same = ok & (we(t[idx] - k * 86400) == we(t[idx]))
        sbw += np.where(same, a, 0); cw += same
    with np.errstate(invalid='ignore', divide='ignore'):
        F['sbr_7d'] = np.where(cnt > 0, sb / cnt, np.nan)
        F['sbn_7d'] = np.where(cnt > 0, sb, np.nan)
        F['son_7d'] = np.where(cnt > 0, so / cnt, np.nan)
        F['sbr_dt'] = np.where(cw > 0, sbw / cw, np.nan)      # same day type (weekday / weekend) only
    # 1b. seasonal, wider / level: the window i-k*d-11 .. i-k*d+24 (an hour either side) and the max cpu/A
    #     and mem/A in the next-hour window, over the last 7 days
    any3 = rolling_max(over, 3 * H)
    mxc12, mxm12 = rolling_max(xc, H), rolling_max(xm, H)
    s3 = np.zeros(len(idx)); sc = np.zeros(len(idx)); sm = np.zeros(len(idx)); mc = np.full(len(idx), -np.inf)
    c3 = np.zeros(len(idx))
    for k in range(1, 8):
        a = shift(any3, k * DAY - 2 * H)[idx]; ok = np.isfinite(a)
        s3 += np.where(ok, a, 0); c3 += ok
        b = shift(mxc12, k * DAY - H)[idx]; bm = shift(mxm12, k * DAY - H)[idx]; okb = np.isfinite(b)
        sc += np.where(okb, b, 0); sm += np.where(okb, bm, 0); mc = np.where(okb, np.maximum(mc, b), mc)
    with np.errstate(invalid='ignore', divide='ignore'):
        F['sbr3_7d'] = np.where(c3 > 0, s3 / c3, np.nan)
        F['smxc_7d'] = np.where(cnt > 0, sc / cnt, np.nan)
        F['smxm_7d'] = np.where(cnt > 0, sm / cnt, np.nan)
        F['smxc_mx7d'] = np.where(cnt > 0, mc, np.nan)
    # 1d. variants of sbr3_7d (all from the over bits of the last week): a 5-hour window (i-k*d-23 ..
    #     i-k*d+36), onsets in the 3-hour window, the mean breach rate in it, the count of days, same day
    #     type only, the last 3 days only
    any5 = rolling_max(over, 5 * H); anyo3 = rolling_max(onset, 3 * H); rt3 = rolling_sum(over, 3 * H) / (3 * H)
    acc = {k_: np.zeros(len(idx)) for k_ in ('b5', 'o3', 'r3', 'dt', 'cdt', 'd3', 'c3d')}
    for k in range(1, 8):
        a3 = shift(any3, k * DAY - 2 * H)[idx]; ok = np.isfinite(a3)
        acc['b5'] += np.nan_to_num(shift(any5, k * DAY - 3 * H)[idx])
        acc['o3'] += np.where(ok, shift(anyo3, k * DAY - 2 * H)[idx], 0)
        acc['r3'] += np.where(ok, shift(rt3, k * DAY - 2 * H)[idx], 0)
        same = ok & (we(t[idx] - k * 86400) == we(t[idx]))
        acc['dt'] += np.where(same, a3, 0); acc['cdt'] += same
        if k <= 3: acc['d3'] += np.where(ok, a3, 0); acc['c3d'] += ok
    with np.errstate(invalid='ignore', divide='ignore'):
        F['sbr5_7d'] = np.where(c3 > 0, acc['b5'] / c3, np.nan)
        F['son3_7d'] = np.where(c3 > 0, acc['o3'] / c3, np.nan)
        F['srt3_7d'] = np.where(c3 > 0, acc['r3'] / c3, np.nan)
        F['sbn3_7d'] = np.where(c3 > 0, s3, np.nan)
        F['sbr3_dt'] = np.where(acc['cdt'] > 0, acc['dt'] / acc['cdt'], np.nan)
        F['sbr3_3d'] = np.where(acc['c3d'] > 0, acc['d3'] / acc['c3d'], np.nan)
    # 1e. sbr3_7d as the Swift scorer can read it from its week of breach flags (the last w = 2016
    #     samples): each day's window clipped to samples >= i - 2015 (only day 7 is clipped, to 24 of 36)
    csum = np.r_[0, np.cumsum(over)]
    accr = np.zeros(len(idx)); cr = np.zeros(len(idx))
    for k in range(1, 8):
        hi = idx - k * DAY + 2 * H; lo = np.maximum(np.maximum(idx - k * DAY - H + 1, idx - WEEK + 1), 0)
        ok = hi >= 0
        accr += np.where(ok, (csum[np.maximum(hi, 0) + 1] - csum[lo]) > 0, 0); cr += ok
    F['sbr3_7dr'] = np.where(cr > 0, accr / np.maximum(cr, 1), np.nan)
    # 1c. the same from 30-minute block maxima (what a scorer can keep: 336 values per resource a week):
    #     max over the blocks that hold samples i-k*d+1 .. i-k*d+12 (2-3 blocks, all complete)
    for r, x in (('c', xc), ('m', xm)):
        B6 = 6; nb6 = (n + B6 - 1) // B6
        bm = np.full(nb6, -np.inf); np.maximum.at(bm, np.arange(n) // B6, x)
        acc = np.zeros(len(idx)); c = np.zeros(len(idx))
        for k in range(1, 8):
            lo = idx - k * DAY + 1; ok = lo >= 0
            lo_b = np.maximum(lo, 0) // B6; hi_b = np.maximum(lo + H - 1, 0) // B6
            v = bm[lo_b]
            for dj in (1, 2):
                j = np.minimum(lo_b + dj, hi_b); v = np.maximum(v, bm[j])
            acc += np.where(ok, v, 0); c += ok
        F[f'smx{r}_7d_b'] = np.where(c > 0, acc / np.maximum(c, 1), np.nan)
    # 3. spike shape
    for w, nm in ((DAY, '1d'), (WEEK, '1w')):
        m = rolling_max(np.where(over > 0, -np.inf, xc), w)[idx]
        F[f'mxcq_{nm}'] = np.where(np.isfinite(m), m, np.nan)   # max cpu/A over samples not over
        on = rolling_sum(onset, w)[idx]
        F[f'mrl_{nm}'] = rolling_sum(over, w)[idx] / np.maximum(1.0, on)   # mean breach run length
    blk = np.arange(n) // H                                   # hour blocks (online: clock hours)
    nb = blk[-1] + 1
    banys = np.zeros(nb); np.maximum.at(banys, blk, over)
    bc = np.r_[0, np.cumsum(banys)]
    part = np.zeros(n); cs = np.cumsum(over); start = blk * H
    part = (cs - np.r_[0, cs][start]) > 0                     # a breach so far in the current block
    for nblk, nm in ((23, '1d'), (167, '1w')):
        b = blk[idx]
        F[f'nhr_{nm}'] = bc[b] - bc[np.maximum(0, b - nblk)] + part[idx]
    # pre-onset level: EWMA (alpha 0.3) of u(k-1) at onsets k <= i, and of the jump u(k) - u(k-1)
    u = np.maximum(xc, xm)
    ons = np.flatnonzero(onset[1:] > 0) + 1
    lvl = np.full(n, np.nan); jmp = np.full(n, np.nan)
    if len(ons):
        e = u[ons[0] - 1]; j = u[ons[0]] - u[ons[0] - 1]; ev, jv = [], []
        for k in ons:
            e = 0.7 * e + 0.3 * u[k - 1]; j = 0.7 * j + 0.3 * (u[k] - u[k - 1]); ev.append(e); jv.append(j)
        lvl[ons] = ev; jmp[ons] = jv
        lvl = _ffill(lvl); jmp = _ffill(jmp)
    F['pol'] = lvl[idx]; F['pou'] = (u - lvl)[idx]; F['ojmp'] = (u + jmp)[idx]
    # empirical rise: share of past points k (last day / week, forward hour ending by i) whose rise over
    # the next hour, max x(k+1..k+12) - x(k), would carry the level now over the allocation
    from numpy.lib.stride_tricks import sliding_window_view as swv
    for r, x in (('c', xc), ('m', xm)):
        fm = np.r_[swv(np.r_[x[1:], np.full(H, -np.inf)], H).max(1)][:n]   # max x(k+1..k+12)
        rise = fm - x                                                        # valid when k+12 <= i
        F[f'rise{r}_mx1w'] = rolling_max(np.r_[np.full(H, -np.inf), rise[:-H]], WEEK)[idx]
        F[f'rise{r}_mx1w'] = np.where(np.isfinite(F[f'rise{r}_mx1w']), x[idx] + F[f'rise{r}_mx1w'], np.nan)
        R = np.r_[np.full(DAY + H, np.nan), rise]     # R[i + DAY + H - j] ...
        # window for tick i: k = i-12-287 .. i-12  -> rows of swv over padded rise
        Wd = swv(R, DAY)                               # row q = R[q .. q+DAY-1] = rise[q-DAY-H .. q-H-1]
        need = 1 - x[idx]
        rows_ = Wd[idx + 1]                            # rise[i-DAY-H+1 .. i-H]
        with np.errstate(invalid='ignore'):
            ge = (rows_ >= need[:, None]).sum(1); nv = np.isfinite(rows_).sum(1)
            F[f'prise{r}_1d'] = np.where(nv > 0, ge / np.maximum(nv, 1), np.nan)
            Rw = np.r_[np.full(WEEK + H, np.nan), rise]
            Ww = swv(Rw, WEEK)[:, ::4][idx + 1]                  # every 4th past point of the week
            ge = (Ww >= need[:, None]).sum(1); nv = np.isfinite(Ww).sum(1)
            F[f'prise{r}_1w'] = np.where(nv > 0, ge / np.maximum(nv, 1), np.nan)


def _ffill(a):
    ok = np.isfinite(a); ix = np.where(ok, np.arange(len(a)), 0); np.maximum.accumulate(ix, out=ix)
    out = a[ix]; out[~np.maximum.accumulate(ok)] = np.nan
    return out


def fleet_features(rows):
    """Family 2: fleet aggregates over every VM of the same period on a 5-minute grid, from the bin
    before the tick's bin (all samples there are <= t_i), excluding the VM itself."""
    for p in PERIODS:
        keys = [k for k in rows if k[0] == p]
        if not keys: continue
        b0 = p // STEP - 3 * DAY; nbin = 3 * DAY + WEEK + 3 * H
        Ov = np.zeros((len(keys), nbin)); On = np.zeros((len(keys), nbin)); Pr = np.zeros((len(keys), nbin))
        for q, k in enumerate(keys):
            g, ov, on = rows[k]['_grid']
            b = g - b0; m = (b >= 0) & (b < nbin)
            Ov[q, b[m]] = ov[m]; On[q, b[m]] = on[m]; Pr[q, b[m]] = 1
        def rmax(M, w):   # any over bins b-w+1 .. b
            c = np.concatenate([np.zeros((M.shape[0], 1)), np.cumsum(M, 1)], 1)
            j = np.arange(M.shape[1]); return (c[:, j + 1] - c[:, np.maximum(0, j + 1 - w)]) > 0
        feats = {'fl_now': (Ov, Pr), 'fl_on1h': (rmax(On, H), Pr), 'fl_on3h': (rmax(On, 3 * H), Pr),
                 'fl_br1h': (rmax(Ov, H), Pr)}
        tot = {f: (M.sum(0), D.sum(0)) for f, (M, D) in feats.items()}
        Myd, Monyd = feats['fl_br1h'][0], rmax(On, H)
        tyd, tonyd, tpr = Myd.sum(0), Monyd.sum(0), Pr.sum(0)
        for q, k in enumerate(keys):
            r = rows[k]; bj = r['_bin'] - b0 - 1
            for f, (M, D) in feats.items():
                num = tot[f][0][bj] - M[q, bj]; den = tot[f][1][bj] - D[q, bj]
                r['F'][f] = np.where(den > 0, num / np.maximum(den, 1), np.nan)
            # next-hour window yesterday: bins b-287 .. b-276 (b = the tick's bin)
            byd = r['_bin'] - b0 - DAY + H
            den = tpr[byd] - Pr[q, byd]
            r['F']['fl_yd'] = np.where(den > 0, (tyd[byd] - Myd[q, byd]) / np.maximum(den, 1), np.nan)
            r['F']['fl_onyd'] = np.where(den > 0, (tonyd[byd] - Monyd[q, byd]) / np.maximum(den, 1), np.nan)
    for r in rows.values():
        r.pop('_grid', None); r.pop('_bin', None)


def build(vms, cache, awm=False, extra=False):
    if os.path.exists(cache):
        return pickle.load(open(cache, 'rb'))
    rows = {}
    if awm:
        from awm_features import awm_max_forecasts
        forecasts = awm_max_forecasts(vms)
    for vm, v in vms.items():
        S = vm_stats(v)
        if awm: S['awm'] = forecasts[vm]
        for p in PERIODS:
            r = period_rows(v, S, p, extra)
            if r is not None: rows[(p, vm)] = r
    if extra: fleet_features(rows)
    pickle.dump(rows, open(cache, 'wb'))
    return rows


def stack(rows, keys, names, stride=1, seed=0):
    Xs, ys, nows, Bs, gs = [], [], [], {k: [] for k in ('util', 'rate1d', 'rate1d_full', 'yday')}, []
    for key in keys:
        r = rows[key]
        sl = slice(None) if stride == 1 else slice(int(np.random.default_rng(seed + key[1]).integers(stride)), None, stride)
        Xs.append(np.column_stack([r['F'][n][sl] for n in names]))
        ys.append(r['y'][sl]); nows.append(r['now'][sl]); gs.append(np.full(len(r['y'][sl]), key[1]))
        for k in Bs: Bs[k].append(r['B'][k][sl])
    return (np.concatenate(Xs), np.concatenate(ys).astype(int), np.concatenate(nows),
            {k: np.concatenate(v) for k, v in Bs.items()}, np.concatenate(gs))


# ----------------------------------------------------------------------------- learners
FEATURES = ['xc', 'xm', 'u', 'mxc_1h', 'mxm_1h', 'mxc_1d', 'mxm_1d', 'mxc_1w', 'mxm_1w',
            'br_1h', 'br_1d', 'br_1w', 'brc_1d', 'brm_1d', 'qc50_1d', 'qm50_1d', 'qc90_1d', 'qm90_1d',
            'qc99_1d', 'qm99_1d', 'slc_1h', 'slm_1h', 'volc_1h', 'volm_1h', 'volc_1d', 'volm_1d',
            'brk_yd', 'mxc_yd', 'mxm_yd', 'br3_yd', 'brk_lw', 'mxc_lw', 'mxm_lw', 'br3_lw',
            'dc_yd', 'dm_yd', 'zc', 'zm', 'zc_1d', 'zm_1d', 'tod_s', 'tod_c', 'weekend', 'age', 'hist',
            'capc', 'capm']
COMPACT = ['u', 'xc', 'xm', 'br_1h', 'br_1d', 'br_1w', 'brk_yd', 'mxc_yd', 'mxm_yd', 'zc', 'zm', 'zm_1d',
           'volm_1h', 'volm_1d', 'qm99_1d', 'dc_yd', 'mxc_1h', 'mxm_1h', 'mxm_1d', 'brm_1d', 'tod_s', 'tod_c']
SIMPLE = ['util', 'rate1d_full', 'yday']
ONSET = ['on_1d', 'on_1w', 'hz_1d', 'hz_1w', 'tsl']
SEAS = ['sbr_7d', 'sbn_7d', 'son_7d', 'sbr_dt']                              # --extra, family 1
SEAS2 = ['sbr3_7d', 'smxc_7d', 'smxm_7d', 'smxc_mx7d']                       # family 1b
SEASB = ['smxc_7d_b', 'smxm_7d_b']                                           # family 1c (30-min block maxima)
SEASR = ['sbr3_7dr']                                                         # 1e: sbr3_7d from the Swift week ring
SEAS3 = ['sbr5_7d', 'son3_7d', 'srt3_7d', 'sbn3_7d', 'sbr3_dt', 'sbr3_3d']         # family 1d (variants of sbr3_7d)
FLEET = ['fl_now', 'fl_on1h', 'fl_on3h', 'fl_br1h', 'fl_yd', 'fl_onyd']         # family 2
SHAPE = ['mxcq_1d', 'mxcq_1w', 'mrl_1d', 'mrl_1w', 'nhr_1d', 'nhr_1w', 'pol', 'pou', 'ojmp']  # family 3
RISE = ['risec_mx1w', 'risem_mx1w', 'prisec_1d', 'prisem_1d', 'prisec_1w', 'prisem_1w']     # family 3b
FAMILIES = dict(seas=SEAS, seas2=SEAS2, seasb=SEASB, seas3=SEAS3, fleet=FLEET, shape=SHAPE, rise=RISE)
AWM = ['f50c', 'f90c', 'f99c', 'f50m', 'f90m', 'f99m', 'zfc', 'zfm']


class Platt:
    def fit(self, s, y):
        from sklearn.linear_model import LogisticRegression
        self.m = LogisticRegression(C=1e4).fit(s[:, None], y); return self
    def __call__(self, s): return self.m.predict_proba(s[:, None])[:, 1]


class Isotonic:
    def fit(self, s, y):
        from sklearn.isotonic import IsotonicRegression
        self.m = IsotonicRegression(out_of_bounds='clip', y_min=0, y_max=1).fit(s, y); return self
    def __call__(self, s): return self.m.predict(s)


def logit(p): p = np.clip(p, 1e-6, 1 - 1e-6); return np.log(p / (1 - p))


def fit_simple(B, y):
    from sklearn.linear_model import LogisticRegression
    X = np.column_stack([B[k] for k in SIMPLE])
    m = LogisticRegression(C=1.0, max_iter=500).fit(X, y)
    return lambda B2: m.predict_proba(np.column_stack([B2[k] for k in SIMPLE]))[:, 1]


def fit_gbt(X, y, Xc, yc, names, depth=4, trees=200, lr=0.05, calib='isotonic', seed=0, min_child=500,
            w_nb=1.0, mono=False):
    import lightgbm as lgb
    kw = {}
    if mono:   # non-decreasing in usage / allocation now and the recent breach rates
        inc = {'u', 'xc', 'xm', 'br_1h', 'br_1d', 'br_1w', 'brk_yd', 'mxc_1h', 'mxm_1h', 'on_1d', 'on_1w', 'hz_1d', 'hz_1w'}
        kw['monotone_constraints'] = [1 if n in inc else 0 for n in names]
    m = lgb.LGBMClassifier(n_estimators=trees, learning_rate=lr, max_depth=depth, num_leaves=2 ** depth - 1,
                           min_child_samples=min_child, subsample=0.7, subsample_freq=1, colsample_bytree=0.8,
                           reg_lambda=1.0, random_state=seed, n_jobs=2, verbose=-1, **kw)
    sw = None
    if w_nb != 1.0:   # weight ticks not breaching now (u <= 1) by w_nb
        sw = np.where(X[:, names.index('u')] > 1, 1.0, w_nb)
    m.fit(X, y, sample_weight=sw)
    cal = (Isotonic if calib == 'isotonic' else Platt)().fit(logit(m.predict_proba(Xc)[:, 1]), yc)
    f = lambda X2: cal(logit(m.predict_proba(X2)[:, 1]))
    f.model = m
    return f


def spline_design(names):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import SplineTransformer, StandardScaler, FunctionTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.impute import SimpleImputer
    binary = [i for i, n in enumerate(names) if n in ('brk_yd', 'brk_lw', 'weekend', 'capc', 'capm')]
    cont = [i for i in range(len(names)) if i not in binary]
    clip = FunctionTransformer(lambda X: np.clip(X, -50, 50))
    return ColumnTransformer([
        ('s', make_pipeline(SimpleImputer(strategy='median'), clip,
                            SplineTransformer(n_knots=6, degree=3, knots='quantile', extrapolation='constant')), cont),
        ('b', SimpleImputer(strategy='constant', fill_value=0), binary)])


def fit_spline(X, y, Xc, yc, names, C=0.1, calib='platt'):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    m = make_pipeline(spline_design(names), StandardScaler(), LogisticRegression(C=C, max_iter=300))
    m.fit(X, y)
    cal = (Isotonic if calib == 'isotonic' else Platt)().fit(logit(m.predict_proba(Xc)[:, 1]), yc)
    return lambda X2: cal(logit(m.predict_proba(X2)[:, 1]))


# ----------------------------------------------------------------------------- protocol
def vm_split(vms, seed=0):
    rng = np.random.default_rng(seed)
    others = np.array(sorted(set(vms) - set(BUNDLED)))
    others = others[rng.permutation(len(others))]
    held = set(others[:int(0.35 * len(others))].tolist())
    train = sorted(set(vms) - held)
    cal = set(np.array(train)[rng.permutation(len(train))[:int(0.2 * len(train))]].tolist())
    return train, sorted(held), cal


def trim_rows(rows, keys):
    """Training side: drop each period's last 12 ticks (their labels look into the next period)."""
    out = {}
    for k in keys:
        r = rows[k]; n = r['n'] - H
        if n <= 0: continue
        sl = slice(0, n)
        out[k] = dict(F={a: b[sl] for a, b in r['F'].items()}, y=r['y'][sl], now=r['now'][sl],
                      B={a: b[sl] for a, b in r['B'].items()}, n=n)
    return out


def run_split(rows, test_p, train_vms, held_vms, cal_vms, names, learners, stride=4, log=print):
    tr_keys = [k for k in rows if k[0] < test_p and k[1] in train_vms]
    tr = trim_rows(rows, tr_keys)
    fit_keys = [k for k in tr if k[1] not in cal_vms]; cal_keys = [k for k in tr if k[1] in cal_vms]
    X, y, _, B, _ = stack(tr, fit_keys, names, stride)
    Xc, yc, _, Bc, _ = stack(tr, cal_keys, names, stride)
    models = {}
    Xall, yall, _, Ball, _ = stack(tr, list(tr), names, stride)
    models['simple learned'] = lambda Xt, Bt, f=fit_simple(Ball, yall): f(Bt)
    for lname, fn in learners.items():
        t0 = time.time(); f = fn(X, y, Xc, yc, names)
        models[lname] = (lambda Xt, Bt, f=f: f(Xt)); models[lname].fitted = f
        log(f'  fit {lname}: {time.time() - t0:.1f}s on {len(y)} rows (+{len(yc)} calibration)')
    out = {}
    for side, vset in (('later week, training VMs', set(train_vms)), ('unseen VMs', set(held_vms))):
        keys = [k for k in rows if k[0] == test_p and k[1] in vset]
        Xt, yt, nt, Bt, _ = stack(rows, keys, names)
        res = {'_n': (len(yt), float(yt.mean()), len(keys))}
        for b in ('util', 'rate1d', 'rate1d_full', 'yday'):
            res[b] = metrics(Bt[b], yt, nt)
        for mname, m in models.items():
            res[mname] = metrics(m(Xt, Bt), yt, nt)
        out[side] = res
    return out, models


def fmt(x): return '  nan' if not np.isfinite(x) else f'{x:5.3f}'


def print_table(all_res, order):
    print(f"| split | ticks (pos rate) | scorer | AUC | AUC not breaching | Brier skill | ECE |")
    print('|---|---|---|---|---|---|---|')
    for split, res in all_res:
        n, pr, nv = res['_n']
        for s in order:
            m = res[s]
            print(f"| {split} | {n} ({pr:.3f}), {nv} VMs | {s} | {fmt(m['auc'])} | {fmt(m['auc_nb'])} | {fmt(m['bss'])} | {fmt(m['ece'])} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='/tmp/research-data/bitbrains-rnd')
    ap.add_argument('--cache', default='/tmp/research-data')
    ap.add_argument('--dev', action='store_true', help='only the tuning split (test week 07-26)')
    ap.add_argument('--dev-week', default=None, help='only this tuning split instead, e.g. 2013-08-09 or 08-09 '
                    '(train on the weeks before it, score it; README part 4). 08-16 and 08-23 are the reported weeks')
    ap.add_argument('--features', default=None, help='comma-separated feature subset')
    ap.add_argument('--learners', default='gbt,gbtplatt,compact')
    ap.add_argument('--stride', type=int, default=4)
    ap.add_argument('--split-seed', type=int, default=0, help='seed of the VM split (0 = the reported one)')
    ap.add_argument('--extra', action='store_true', help='add the feature families SEAS, FLEET, SHAPE, RISE '
                    '(cache rows-x.pkl); learners co[+fam...][@d6][@t400][@m200][@w2][@mono] = compact+onset+families')
    ap.add_argument('--awm', action='store_true', help='add the forecast-member features (awm_features.py); learner compact+awm')
    o = ap.parse_args()
    t00 = time.time()
    vms = load(o.data, os.path.join(o.cache, 'vms.pkl'))
    cache = 'rows-x.pkl' if o.extra else 'rows-awm.pkl' if o.awm else 'rows.pkl'
    assert not (o.extra and o.awm)
    rows = build(vms, os.path.join(o.cache, cache), awm=o.awm, extra=o.extra)
    if o.awm and not o.features: FEATURES.extend(AWM)
    if not o.features: FEATURES.extend(ONSET)
    if o.extra and not o.features: FEATURES.extend(SEAS + SEAS2 + SEASB + SEAS3 + SEASR + FLEET + SHAPE + RISE)
    print(f'data + features: {time.time() - t00:.0f}s, {len(rows)} VM-periods')
    names = o.features.split(',') if o.features else FEATURES
    train_vms, held_vms, cal_vms = vm_split(vms, o.split_seed)
    print(f'VMs: {len(train_vms)} training ({len(cal_vms)} of them the calibration slice), {len(held_vms)} never trained on')
    L = {}
    o.learners = o.learners.split(',')
    if 'gbt' in o.learners: L['gbt d4x200 + isotonic'] = lambda X, y, Xc, yc, n: fit_gbt(X, y, Xc, yc, n)
    if 'gbtplatt' in o.learners: L['gbt d4x200 + platt'] = lambda X, y, Xc, yc, n: fit_gbt(X, y, Xc, yc, n, calib='platt')
    if 'compact' in o.learners:
        def compact(X, y, Xc, yc, n):
            cols = [n.index(c) for c in COMPACT]
            f = fit_gbt(X[:, cols], y, Xc[:, cols], yc, COMPACT, calib='platt')
            return lambda X2: f(X2[:, cols])
        L['gbt d4x200 compact + platt'] = compact
    if 'compactawm' in o.learners:
        def compact_awm(X, y, Xc, yc, n):
            cols = [n.index(c) for c in COMPACT + AWM]
            f = fit_gbt(X[:, cols], y, Xc[:, cols], yc, COMPACT + AWM, calib='platt')
            return lambda X2: f(X2[:, cols])
        L['gbt d4x200 compact+awm + platt'] = compact_awm
    for tag, extra in (('compactonset', ONSET), ('compactboth', ONSET + AWM)):
        if tag in o.learners:
            def fn(X, y, Xc, yc, n, extra=extra):
                cols = [n.index(c) for c in COMPACT + extra]
                f = fit_gbt(X[:, cols], y, Xc[:, cols], yc, COMPACT + extra, calib='platt')
                return lambda X2: f(X2[:, cols])
            L[f'gbt d4x200 {tag} + platt'] = fn
    if 'split' in o.learners:
        # two models, one for ticks breaching now (u > 1) and one for the others, each with its own Platt
        def split_fn(X, y, Xc, yc, n):
            cols = [n.index(c) for c in COMPACT + ONSET + AWM]
            ui = n.index('u')
            now, nowc = X[:, ui] > 1, Xc[:, ui] > 1
            fa = fit_gbt(X[now][:, cols], y[now], Xc[nowc][:, cols], yc[nowc], None, calib='platt')
            fb = fit_gbt(X[~now][:, cols], y[~now], Xc[~nowc][:, cols], yc[~nowc], None, calib='platt')
            def f(X2):
                out = np.empty(len(X2)); m = X2[:, ui] > 1
                if m.any(): out[m] = fa(X2[m][:, cols])
                if (~m).any(): out[~m] = fb(X2[~m][:, cols])
                return out
            return f
        L['gbt split by breaching now + platt'] = split_fn
    for tag in o.learners:
        if not (tag == 'co' or tag.startswith('co+') or tag.startswith('co@')): continue
        parts = tag.split('@'); fams = parts[0].split('+')[1:]; opts = parts[1:]
        extra = ONSET + sum((FAMILIES[f] if f in FAMILIES else [f] for f in fams), [])
        kw = {}
        for op in opts:
            if op == 'mono': kw['mono'] = True
            elif op[0] == 'd': kw['depth'] = int(op[1:])
            elif op[0] == 't': kw['trees'] = int(op[1:])
            elif op[0] == 'm': kw['min_child'] = int(op[1:])
            elif op[0] == 'w': kw['w_nb'] = float(op[1:])
            elif op[0] == 'l': kw['lr'] = float(op[1:])
            else: raise SystemExit(f'unknown learner option {op}')
        def fn(X, y, Xc, yc, n, extra=extra, kw=kw):
            cols = [n.index(c) for c in COMPACT + extra]
            f = fit_gbt(X[:, cols], y, Xc[:, cols], yc, COMPACT + extra, calib='platt', **kw)
            g = lambda X2: f(X2[:, cols]); g.model = f.model; g.names = COMPACT + extra
            return g
        L[f'gbt {tag} + platt'] = fn
    if 'spline' in o.learners: L['spline logistic + platt'] = lambda X, y, Xc, yc, n: fit_spline(X, y, Xc, yc, n)
    tests = [PERIODS[3]] if o.dev else PERIODS[4:]
    if o.dev_week:
        wk = o.dev_week[-5:]
        match = [p for p in PERIODS if PNAME[p] == wk]
        if not match or match[0] == PERIODS[0]: raise SystemExit(f'--dev-week {o.dev_week}: not a week with training weeks before it')
        if wk in ('08-16', '08-23'): print(f'WARNING: {wk} is a reported week, not a tuning week', flush=True)
        tests = match
    all_res = []
    for p in tests:
        print(f'test week {PNAME[p]} (train on weeks {", ".join(PNAME[q] for q in PERIODS if q < p)})', flush=True)
        res, _ = run_split(rows, p, train_vms, held_vms, cal_vms, names, L, o.stride)
        for side, r in res.items(): all_res.append((f'{PNAME[p]} {side}', r))
    order = ['util', 'rate1d', 'rate1d_full', 'yday', 'simple learned'] + list(L)
    print_table(all_res, order)
    print('\nmean / worst over splits:')
    for s in order:
        ms = {k: [r[s][k] for _, r in all_res] for k in ('auc', 'auc_nb', 'bss', 'ece')}
        print(f"  {s:28s} AUC {np.mean(ms['auc']):.3f}/{np.min(ms['auc']):.3f}  AUCnb {np.mean(ms['auc_nb']):.3f}/{np.min(ms['auc_nb']):.3f}"
              f"  BSS {np.nanmean(ms['bss']):.3f}/{np.nanmin(ms['bss']) if np.isfinite(ms['bss']).any() else np.nan:.3f}  ECE {np.nanmean(ms['ece']):.3f}/{np.nanmax(ms['ece']) if np.isfinite(ms['ece']).any() else np.nan:.3f}")
        if o.dev_week:   # 4 decimals for the selection (the greedy step's 0.002 threshold)
            print(f"  {'':28s} AUCnb {np.mean(ms['auc_nb']):.4f}/{np.min(ms['auc_nb']):.4f}  AUC {np.mean(ms['auc']):.4f}/{np.min(ms['auc']):.4f}  BSS {np.nanmean(ms['bss']):.4f}")
    print(f'runtime {time.time() - t00:.0f}s')


if __name__ == '__main__':
    main()
