#!/usr/bin/env python3
"""Right-sizing policy study for issue 11 (items 4-6): VPA recommender, Autopilot moving-window,
reactive and predictive (seasonal) policies, each swept over its knob, scored exactly like
/work/shared/eval/score_exports.py scores decisions:
  OOM samples            = # samples with memory usage > memory allocation in force
  throttled core-minutes = sum (cpu - alloc)+ * 5 min
  slack core-hours       = sum (alloc - cpu)+ * 5 min / 60
  slack GiB-hours        = sum (alloc - mem)+ / 2^30 * 5 min / 60
plus allocated core-hours / GiB-hours, cost and the number of allocation changes.

  python3 policy_study.py --data /tmp/policy-data/bitbrains-rnd [--min-gap 30] [--no-censor]

Deterministic (no randomness is used; numpy only). One process, vectorised over VMs x knob values.
"""
import argparse, glob, json, os, sys, time
import numpy as np

STEP = 300
DAY = 86400 // STEP            # 288 steps
HOUR = 3600 // STEP            # 12 steps
MIB = 2.0 ** 20
GIB = 2.0 ** 30
BUNDLED = {1, 6, 11, 17, 22, 27, 32, 37, 42, 47, 52, 57, 62, 67, 72, 77, 83, 88, 93, 98, 103, 108, 113, 118, 123,
           128, 162, 169, 180, 186, 194, 199, 207, 214, 219, 224, 229, 234, 239, 244}
WEEKS = {'tune': [('2013-08-02', 1375401600), ('2013-08-09', 1376006400)],
         'report': [('2013-08-16', 1376611200), ('2013-08-23', 1377216000)]}
# Prices (GCP N1 custom, on-demand list price, us-central1): per core-hour and per GiB-hour of allocation.
PRICE_CORE_H, PRICE_GIB_H = 0.033174, 0.004446


# ----------------------------------------------------------------------------------------- data
def load(root):
    vms = sorted({int(os.path.basename(p)[:-4]) for p in glob.glob(os.path.join(root, '2013-*', '*.csv'))})
    raw = {}
    tmin, tmax = 1e18, 0
    for v in vms:
        parts = []
        for month in ('2013-7', '2013-8'):
            p = os.path.join(root, month, f'{v}.csv')
            if os.path.exists(p):
                a = np.loadtxt(p, delimiter=';', skiprows=1, usecols=(0, 1, 2, 3, 5, 6), ndmin=2)
                parts.append(a)
        a = np.concatenate(parts)
        raw[v] = a
        tmin = min(tmin, a[:, 0].min()); tmax = max(tmax, a[:, 0].max())
    t0 = int(tmin // STEP * STEP)
    T = int((tmax - t0) // STEP) + 1
    V = len(vms)
    cpu = np.full((V, T), np.nan); mem = np.full((V, T), np.nan)
    lim_c = np.zeros(V); lim_m = np.zeros(V)
    for j, v in enumerate(vms):
        a = raw[v]
        ok = (a[:, 1] > 0) & (a[:, 2] > 0) & (a[:, 4] > 0)
        if not ok.any():
            continue
        # limits: provisioned cores / memory of the last valid row of the first (July) file, as the importer does
        first_len = len(np.loadtxt(os.path.join(root, '2013-7', f'{v}.csv'), delimiter=';', skiprows=1, usecols=(0,), ndmin=1)) \
            if os.path.exists(os.path.join(root, '2013-7', f'{v}.csv')) else len(a)
        okf = np.where(ok[:first_len])[0]
        last = okf[-1] if len(okf) else np.where(ok)[0][-1]
        lim_c[j] = a[last, 1]; lim_m[j] = a[last, 4] * 1024.0
        a = a[ok]
        idx = ((a[:, 0] - t0) // STEP).astype(int)
        order = np.argsort(a[:, 0], kind='mergesort')
        idx, a = idx[order], a[order]
        first = np.unique(idx, return_index=True)[1]          # first sample per 5-minute slot (importer keeps the first)
        cpu[j, idx[first]] = a[first, 3] * a[first, 1] / a[first, 2]
        mem[j, idx[first]] = a[first, 5] * 1024.0
    return np.array(vms), t0, cpu, mem, lim_c, lim_m


# ------------------------------------------------------------------------------- histograms
class DecayHist:
    """Exponential-bucket histogram with exponentially decaying sample weights (VPA's histogram:
    bucket i starts at first*(ratio^i - 1)/(ratio - 1); percentile returns the END of the bucket holding it)."""

    def __init__(self, B, first, ratio, vmax, half_life_steps):
        self.first, self.ratio = first, ratio
        self.n = int(np.ceil(np.log(1 + vmax * (ratio - 1) / first) / np.log(ratio))) + 2
        self.starts = first * (ratio ** np.arange(self.n + 1) - 1) / (ratio - 1)
        self.h = np.zeros((B, self.n)); self.hl = half_life_steps; self.ref = 0
        self.rows = np.arange(B)

    def bucket(self, v):
        b = np.floor(np.log1p(np.maximum(v, 0) * (self.ratio - 1) / self.first) / np.log(self.ratio)).astype(int)
        return np.clip(b, 0, self.n - 1)

    def w(self, i):
        return 2.0 ** ((i - self.ref) / self.hl)

    def add(self, i, v, weight, mask):
        if self.w(i) > 2.0 ** 60:                              # shift the reference (VPA does the same)
            f = 2.0 ** (-(i - self.ref) / self.hl); self.h *= f; self.ref = i
        b = self.bucket(v)
        np.add.at(self.h, (self.rows[mask], b[mask]), (weight * self.w(i))[mask] if np.ndim(weight) else weight * self.w(i))

    def sub(self, i_added, v, weight, mask):
        b = self.bucket(v)
        wv = weight * self.w(i_added)
        np.add.at(self.h, (self.rows[mask], b[mask]), -(wv[mask] if np.ndim(wv) else wv))
        np.maximum(self.h, 0, out=self.h)

    def percentiles(self, ps):
        c = np.cumsum(self.h, axis=1); tot = c[:, -1:]
        out = []
        for p in ps:
            b = np.argmax(c >= p * tot - 1e-12 * tot, axis=1)
            out.append(np.where(tot[:, 0] > 0, self.starts[np.minimum(b + 1, self.n)], np.nan))
        return out


# ------------------------------------------------------------------------------------ policies
class VPA:
    """Kubernetes VPA recommender + updater. Knob: safety margin (default 0.15)."""
    name = 'vpa'

    def __init__(self, B, knob, ctx):
        self.m = knob
        self.ch = DecayHist(B, 0.01, 1.05, ctx['vmax_c'] * 1.5, DAY)           # 24 h half-life, first bucket 10 mCPU
        self.mh = DecayHist(B, 1e7, 1.05, ctx['vmax_m'] * 2.0, DAY)            # first bucket 10 MB
        self.peak = np.zeros(B); self.peak_win = np.full(B, -1); self.peak_t = np.zeros(B, int)
        self.first_seen = np.full(B, -1)
        self.pct = ctx.get('vpa_pct', 0.9)

    def observe(self, i, c, m, ac, am, oom):
        B = len(c)
        okc = np.isfinite(c); okm = np.isfinite(m)
        self.first_seen = np.where((self.first_seen < 0) & (okc | okm), i, self.first_seen)
        # CPU samples weighted by the request (max(request, 0.1 core)), as VPA's addCPUSample does
        self.ch.add(i, np.nan_to_num(c), np.maximum(ac, 0.1), okc)
        # memory: one peak per 24 h window; an OOM records max(alloc*1.2, alloc+100MiB) as a memory sample
        mv = np.where(oom, np.maximum(am * 1.2, am + 100 * MIB), np.nan_to_num(m))
        ok = okm | oom
        win = i // DAY
        neww = ok & (win != self.peak_win)
        self.peak = np.where(neww, 0.0, self.peak); self.peak_win = np.where(neww, win, self.peak_win)
        higher = ok & (mv > self.peak)
        old = higher & (self.peak > 0) & ~neww
        if old.any():
            self.mh.sub(self.peak_t, self.peak, 1.0, old)
        if higher.any():
            wstart = self.peak_win * DAY
            # the peak is stored with the window start as its timestamp
            b = self.mh.bucket(mv); mh = self.mh
            if mh.w(i) > 2.0 ** 60:
                mh.add(i, mv, 0.0, np.zeros(B, bool))
            np.add.at(mh.h, (mh.rows[higher], b[higher]), 2.0 ** ((wstart[higher] - mh.ref) / mh.hl))
            self.peak = np.where(higher, mv, self.peak); self.peak_t = np.where(higher, wstart, self.peak_t)

    def propose(self, i, ac, am, ctx):
        p50c, ptc, p95c = self.ch.percentiles([0.5, self.pct, 0.95])
        p50m, ptm, p95m = self.mh.percentiles([0.5, self.pct, 0.95])
        days = np.maximum((i - self.first_seen) / DAY, 1e-3)
        up = (1 + 1 / days); lo = (1 + 0.001 / days) ** -2
        k = 1 + self.m
        tc, lc, uc = ptc * k, p50c * k * lo, p95c * k * up
        tm, lm, um = ptm * k, p50m * k * lo, p95m * k * up
        fc, fm = ctx['floor_c'], ctx['floor_m']
        capc, capm = ctx['lim_c'], ctx['lim_m']
        tc, lc, uc = [np.clip(np.nan_to_num(x, nan=fc), fc, capc) for x in (tc, lc, uc)]
        tm, lm, um = [np.clip(np.nan_to_num(x, nan=fm), fm, capm) for x in (tm, lm, um)]
        # updater: act when a request leaves [lower, upper], or (pod older than 12 h and the summed
        # relative difference >= 10 %), as the VPA updater's priority calculator does
        outside = (ac < lc) | (ac > uc) | (am < lm) | (am > um)
        diff = np.abs(ac - tc) / np.maximum(ac, 1e-9) + np.abs(am - tm) / np.maximum(am, 1e-9)
        age = i - ctx['last_change']
        act = outside | ((age >= 12 * HOUR) & (diff >= 0.1))
        return np.where(act, tc, ac), np.where(act, tm, am), True


class Autopilot:
    """Autopilot moving-window recommender (EuroSys 2020, serving-job settings): CPU = p95 of the
    5-minute usage samples in a histogram with exponentially decaying weights (half-life 12 h);
    memory = S_max, the peak over the window (48 h); times (1 + margin); an OOM records the bumped
    allocation as a peak. Knob: margin."""
    name = 'autopilot'

    def __init__(self, B, knob, ctx):
        self.m = knob
        self.ch = DecayHist(B, 0.01, 1.05, ctx['vmax_c'] * 1.5, 12 * HOUR)
        self.mwin = 48 * HOUR
        self.cpct = ctx.get('ap_pct', 0.95)
        self.oom_peak = np.zeros(B); self.oom_t = np.full(B, -10 ** 9)

    def observe(self, i, c, m, ac, am, oom):
        self.ch.add(i, np.nan_to_num(c), 1.0, np.isfinite(c))
        self.oom_peak = np.where(oom, np.maximum(am * 1.2, am + 100 * MIB), self.oom_peak)
        self.oom_t = np.where(oom, i, self.oom_t)

    def propose(self, i, ac, am, ctx):
        (pc,) = self.ch.percentiles([self.cpct])
        pm = recent_max(ctx['obs_m'], i, self.mwin, ctx['hmax_m'])
        pm = np.fmax(pm, np.where(i - self.oom_t < self.mwin, self.oom_peak, np.nan))
        k = 1 + self.m
        return np.nan_to_num(pc * k, nan=ac), np.where(np.isfinite(pm) & (pm > 0), pm * k, am), False


class Reactive:
    """Reactive: after a breach raise to f * max(usage, allocation) (memory: also >= +100 MiB);
    otherwise target f * max(usage over the last 6 h), which lets it decay down (with the common
    10 % hysteresis and minimum gap). Knob: f."""
    name = 'reactive'

    def __init__(self, B, knob, ctx):
        self.f = knob; self.W = 6 * HOUR

    def observe(self, i, c, m, ac, am, oom):
        pass

    def propose(self, i, ac, am, ctx):
        rc = recent_max(ctx['obs_c'], i, self.W, ctx['hmax_c'])
        rm = recent_max(ctx['obs_m'], i, self.W, ctx['hmax_m'])
        tc = np.where(np.isfinite(rc), self.f * rc, ac)
        tm = np.where(np.isfinite(rm), self.f * rm, am)
        thr, oom = ctx['thr_now'], ctx['oom_now']
        tc = np.where(thr, np.maximum(tc, self.f * ac), tc)
        tm = np.where(oom, np.maximum(tm, np.maximum(self.f * am, am + 100 * MIB)), tm)
        return tc, tm, False


def seasonal_q(hist, i, q, days=7, ahead=HOUR):
    """q-quantile, per row, of the values at the same time of day as the next `ahead` steps on each of
    the last `days` days (NaNs ignored)."""
    idx = (i + 1 + np.arange(ahead)[None, :] - DAY * np.arange(1, days + 1)[:, None]).ravel()
    idx = idx[(idx >= 0) & (idx <= i)]
    if len(idx) == 0:
        return np.full(hist.shape[0], np.nan)
    x = np.sort(hist[:, idx], axis=1)                       # NaNs sort last
    n = np.isfinite(x).sum(1)
    k = np.clip(np.ceil(q * n).astype(int) - 1, 0, x.shape[1] - 1)
    r = np.take_along_axis(x, k[:, None], 1)[:, 0]
    return np.where(n > 0, r, np.nan)


def recent_max(hist, i, w, hmax=None):
    """max of the last w steps; for w >= 2 h, from hourly block maxima (whole hours plus the current one)."""
    if hmax is not None and w >= 2 * HOUR:
        h = i // HOUR
        x = hmax[:, max(0, h - w // HOUR + 1):h + 1]
        r = np.max(x, axis=1)
        return np.where(np.isfinite(r), r, np.nan)
    x = hist[:, max(0, i + 1 - w):i + 1]
    r = np.max(np.where(np.isfinite(x), x, -np.inf), axis=1)
    return np.where(np.isfinite(r), r, np.nan)


class Predictive:
    """Predictive: for the next hour, allocate (1 + margin) * max(seasonal quantile, recent term).
    CPU: q_c-quantile of the same hour-of-day (the coming 12 steps) over the last 7 days, and the max
    of the last `rc` steps. Memory: q_m-quantile of the same hour over the last 7 days and the peak of the
    last `rm` steps; an OOM records the bumped allocation (x1.2, >= +100 MiB) as a peak for 24 h.
    Knob: margin (one scalar for both resources)."""
    name = 'predictive'

    def __init__(self, B, knob, ctx, qc=0.95, qm=1.0, rc=HOUR, rm=DAY, mem_margin_scale=1.0, days=7, mdays=None,
                 oom_bump=1.2, thr_bump=0.0, jump=False, thr_hold=0):
        self.jump_k = None; self.thr_hold = thr_hold
        if isinstance(knob, tuple) and jump:
            self.m, self.jump_k = knob; self.mm = 0.0
        elif isinstance(knob, tuple):
            self.m, self.mm = knob
        else:
            self.m, self.mm = knob, knob * mem_margin_scale
        self.qc, self.qm, self.rc, self.rm, self.days = qc, qm, rc, rm, days
        self.mdays = days if mdays is None else mdays
        self.bump, self.thr_bump = oom_bump, thr_bump
        self.oom_peak = np.zeros(B); self.oom_t = np.full(B, -10 ** 9); self.thr_t = np.full(B, -10 ** 9)

    def observe(self, i, c, m, ac, am, oom):
        self.oom_peak = np.where(oom, np.maximum(am * self.bump, am + 100 * MIB), self.oom_peak)
        self.oom_t = np.where(oom, i, self.oom_t)
        self.thr_t = np.where(np.isfinite(c) & (c >= ac), i, self.thr_t)   # censored usage: at the cap = throttled

    def propose(self, i, ac, am, ctx):
        oc, om = ctx['obs_c'], ctx['obs_m']
        if i % HOUR == 0 or not hasattr(self, 'sc'):        # the seasonal forecast is refreshed hourly
            self.sc = seasonal_q(oc, i, self.qc, self.days) if self.days else np.full(len(ac), np.nan)
            self.sm = seasonal_q(om, i, self.qm, self.mdays) if self.mdays else np.full(len(am), np.nan)
        sc, sm = self.sc, self.sm
        rcm = recent_max(oc, i, self.rc, ctx['hmax_c']) if self.rc > 0 else np.full(len(ac), np.nan)
        tc = np.fmax(sc, rcm) * (1 + self.m)
        if self.thr_bump > 0:                                  # throttled now: demand is hidden, step up
            tc = np.where(self.thr_t == i, np.fmax(tc, ac * (1 + self.thr_bump)), tc)
        if self.thr_hold > 0:                                  # no CPU decrease within thr_hold steps of a throttle
            tc = np.where((i - self.thr_t < self.thr_hold) & (tc < ac), ac, tc)
        rmm = recent_max(om, i, self.rm, ctx['hmax_m']) if self.rm > 0 else np.full(len(am), np.nan)
        tm = np.fmax(sm, rmm)
        if self.jump_k is not None:                            # additive headroom: the largest 1-hour rise of the
            h = i // HOUR                                       # hourly memory peak over the last 7 days, x k
            if i % HOUR == 0 or not hasattr(self, 'J'):
                x = ctx['hmax_m'][:, max(0, h - 7 * 24):h + 1]
                d = np.diff(np.where(np.isfinite(x), x, np.nan), axis=1)
                self.J = np.max(np.where(np.isfinite(d), np.maximum(d, 0), 0.0), axis=1, initial=0.0)
            tm = np.fmax(tm, np.where(i - self.oom_t < DAY, self.oom_peak, np.nan)) + self.jump_k * self.J
        else:
            tm = np.fmax(tm, np.where(i - self.oom_t < DAY, self.oom_peak, np.nan)) * (1 + self.mm)
        return np.where(np.isfinite(tc), tc, ac), np.where(np.isfinite(tm), tm, am), False


# ------------------------------------------------------------------------------------- replay
def replay(make, knobs, cpu, mem, lim_c, lim_m, start_i, min_gap, hyst, censor, up_min=0.02):
    """Runs one policy for all knob values at once (batch = knob x VM). Returns allocations (B, T),
    change counts per step (B, T) as bool, in knob-major order."""
    K, (V, T) = len(knobs), cpu.shape
    B = K * V
    C = np.tile(cpu, (K, 1)); M = np.tile(mem, (K, 1))
    Lc = np.tile(lim_c, K); Lm = np.tile(lim_m, K)
    floor_c, floor_m = 0.025, 250e6
    ctx = {'lim_c': Lc, 'lim_m': Lm, 'floor_c': floor_c, 'floor_m': floor_m,
           'vmax_c': float(np.nanmax(lim_c)), 'vmax_m': float(np.nanmax(lim_m)),
           'obs_c': np.full((B, T), np.nan), 'obs_m': np.full((B, T), np.nan),
           'last_change': np.zeros(B, int),
           'hmax_c': np.full((B, T // HOUR + 1), -np.inf), 'hmax_m': np.full((B, T // HOUR + 1), -np.inf)}
    pols = [make(V, k, ctx) for k in knobs]
    ac, am = Lc.copy(), Lm.copy()                             # start at the provisioned size (static)
    A_c = np.empty((B, T), np.float32); A_m = np.empty((B, T), np.float32)
    chg = np.zeros((B, T), bool)
    last_c = np.full(B, -10 ** 9); last_m = np.full(B, -10 ** 9)
    for i in range(T):
        A_c[:, i] = ac; A_m[:, i] = am
        c, m = C[:, i], M[:, i]
        oom = np.isfinite(m) & (m > am)
        thr = np.isfinite(c) & (c > ac)
        oc = np.where(censor & thr, ac, c); om = np.where(censor & oom, am, m)
        ctx['obs_c'][:, i] = oc; ctx['obs_m'][:, i] = om
        h = i // HOUR
        ctx['hmax_c'][:, h] = np.fmax(ctx['hmax_c'][:, h], np.nan_to_num(oc, nan=-np.inf))
        ctx['hmax_m'][:, h] = np.fmax(ctx['hmax_m'][:, h], np.nan_to_num(om, nan=-np.inf))
        ctx['oom_now'] = oom; ctx['thr_now'] = thr
        if i < start_i:                                        # no policy before the warm-up start
            for k, p in enumerate(pols):
                s = slice(k * V, (k + 1) * V)
                p.observe(i, oc[s], om[s], ac[s], am[s], oom[s])
            continue
        tc = np.empty(B); tm = np.empty(B)
        for k, p in enumerate(pols):
            s = slice(k * V, (k + 1) * V)
            p.observe(i, oc[s], om[s], ac[s], am[s], oom[s])
            sub = dict(ctx); sub['obs_c'] = ctx['obs_c'][s]; sub['obs_m'] = ctx['obs_m'][s]
            sub['hmax_c'] = ctx['hmax_c'][s]; sub['hmax_m'] = ctx['hmax_m'][s]
            sub['lim_c'] = Lc[s]; sub['lim_m'] = Lm[s]; sub['last_change'] = ctx['last_change'][s]
            sub['oom_now'] = oom[s]; sub['thr_now'] = thr[s]
            tc[s], tm[s], _ = p.propose(i, ac[s], am[s], sub)
        tc = np.clip(tc, floor_c, Lc); tm = np.clip(tm, floor_m, Lm)
        # common actuator: >= min_gap between changes of a resource (an OOM restart may resize memory
        # at once); decreases only below (1 - hyst) x current; increases only above (1 + up_min) x current
        okc = (i - last_c) >= min_gap
        okm = ((i - last_m) >= min_gap) | oom
        dc = okc & ((tc > ac * (1 + up_min)) | (tc < ac * (1 - hyst)))
        dm = okm & ((tm > am * (1 + up_min)) | (tm < am * (1 - hyst)))
        ac = np.where(dc, tc, ac); am = np.where(dm, tm, am)
        last_c = np.where(dc, i, last_c); last_m = np.where(dm, i, last_m)
        ctx['last_change'] = np.where(dc | dm, i, ctx['last_change'])
        chg[:, i] = dc | dm
    return A_c, A_m, chg


def score(A_c, A_m, chg, cpu, mem, i0, i1, sel):
    """score_exports.py's decision metrics for steps [i0, i1) and VM rows `sel`."""
    c, m = cpu[sel, i0:i1], mem[sel, i0:i1]
    a_c, a_m = A_c[sel, i0:i1].astype(float), A_m[sel, i0:i1].astype(float)
    fm, fc = np.isfinite(m), np.isfinite(c)
    h = STEP / 3600
    return {'oom_samples': int(np.sum(fm & (m > a_m))),
            'throttled_core_minutes': round(float(np.sum(np.where(fc, np.maximum(0, c - a_c), 0)) * STEP / 60), 1),
            'slack_core_hours': round(float(np.sum(np.where(fc, np.maximum(0, a_c - c), 0)) * h), 1),
            'slack_gib_hours': round(float(np.sum(np.where(fm, np.maximum(0, a_m - m), 0)) / GIB * h), 1),
            'alloc_core_hours': round(float(np.sum(np.where(fc, a_c, 0)) * h), 1),
            'alloc_gib_hours': round(float(np.sum(np.where(fm, a_m, 0)) / GIB * h), 1),
            'changes': int(chg[sel, i0:i1].sum())}


def cost(s):
    return s['alloc_core_hours'] * PRICE_CORE_H + s['alloc_gib_hours'] * PRICE_GIB_H


def interp_at(points, xkey, ykey, x):
    """Linear interpolation of y at slack x along a frontier (points sorted by x); None outside."""
    pts = sorted((p[xkey], p[ykey]) for p in points)
    xs = np.array([p[0] for p in pts]); ys = np.array([p[1] for p in pts])
    if x < xs[0] or x > xs[-1]:
        return None
    return float(np.interp(x, xs, ys))


POLICIES = {
    'vpa': (lambda V, k, ctx: VPA(V, k, ctx), [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8], 0.15),
    'autopilot': (lambda V, k, ctx: Autopilot(V, k, ctx), [0.0, 0.05, 0.1, 0.2, 0.35, 0.6], 0.1),
    'reactive': (lambda V, k, ctx: Reactive(V, k, ctx), [1.05, 1.1, 1.2, 1.35, 1.6, 2.0], 1.2),
    'predictive': (lambda V, k, ctx: Predictive(V, k, ctx), [0.0, 0.05, 0.1, 0.2, 0.35, 0.6], None),
    'pred-seasonal-only': (lambda V, k, ctx: Predictive(V, k, ctx, qc=0.95, qm=1.0, rc=0, rm=0), [0.0, 0.1, 0.2, 0.35, 0.6], None),
    'pred-recent-only': (lambda V, k, ctx: Predictive(V, k, ctx, qc=0.0, qm=0.0, rc=HOUR, rm=DAY, days=0), [0.0, 0.1, 0.2, 0.35, 0.6], None),
    'pred-q99': (lambda V, k, ctx: Predictive(V, k, ctx, qc=0.99), [0.0, 0.05, 0.1, 0.2, 0.35, 0.6], None),
    'pred-14d': (lambda V, k, ctx: Predictive(V, k, ctx, days=14), [0.0, 0.05, 0.1, 0.2, 0.35, 0.6], None),
    'pred-v2': (lambda V, k, ctx: Predictive(V, k, ctx, mdays=14, oom_bump=2.0, thr_bump=0.5),
                [0.0, 0.01, 0.02, 0.035, 0.05, 0.1, 0.2, 0.35, 0.6], None),
    'pred-v2-bump12': (lambda V, k, ctx: Predictive(V, k, ctx, mdays=14, oom_bump=1.2, thr_bump=0.5),
                [0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.6], None),
    'pred-v3': (lambda V, k, ctx: Predictive(V, k, ctx, mdays=14, oom_bump=1.2, thr_bump=0.5, jump=True),
                [(-0.5, 0.0), (-0.4, 0.1), (-0.3, 0.25), (-0.2, 0.5), (-0.1, 0.75), (0.0, 1.0), (0.1, 1.5), (0.2, 2.0)], None),
    'pred-mem-3d': (lambda V, k, ctx: Predictive(V, k, ctx, mdays=14, rm=3 * DAY, thr_bump=0.5),
                    [0.0, 0.05, 0.1, 0.2, 0.35], None),
    'pred-mem-7d': (lambda V, k, ctx: Predictive(V, k, ctx, mdays=14, rm=7 * DAY, thr_bump=0.5),
                    [0.0, 0.05, 0.1, 0.2, 0.35], None),
    # recommended: CPU margin and memory margin as one (cpu, memory) knob pair swept together
    'pred-final': (lambda V, k, ctx: Predictive(V, k, ctx, qc=0.95, qm=1.0, rc=HOUR, rm=DAY, days=7, mdays=14,
                                                oom_bump=1.2, thr_bump=0.5),
                   [(-0.8, 0.0), (-0.7, 0.05), (-0.6, 0.1), (-0.5, 0.15), (-0.4, 0.2), (-0.3, 0.25), (-0.2, 0.3),
                    (-0.1, 0.4), (0.0, 0.5)], None),
    'pred-final-hold2h': (lambda V, k, ctx: Predictive(V, k, ctx, qc=0.95, qm=1.0, rc=HOUR, rm=DAY, days=7, mdays=14,
                                                       oom_bump=1.2, thr_bump=0.5, thr_hold=2 * HOUR),
                          [(-0.8, 0.0), (-0.7, 0.05), (-0.6, 0.1), (-0.5, 0.15), (-0.4, 0.2), (-0.3, 0.25), (-0.2, 0.3),
                           (-0.1, 0.4), (0.0, 0.5)], None),
    # pred-final at the knob pair chosen on the tune weeks (analyse.py: VPA-default slack on 08-02 + 08-09)
    'pred-chosen': (lambda V, k, ctx: Predictive(V, k, ctx, qc=0.95, qm=1.0, rc=HOUR, rm=DAY, days=7, mdays=14,
                                                 oom_bump=1.2, thr_bump=0.5), [(-0.66, 0.23)], None),
    'reactive-fine': (lambda V, k, ctx: Reactive(V, k, ctx), [1.05, 1.1, 1.15, 1.2, 1.35, 1.6, 2.0, 3.0, 4.0], 1.2),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='/tmp/policy-data/bitbrains-rnd')
    ap.add_argument('--min-gap', type=int, default=30, help='minutes between changes of a resource')
    ap.add_argument('--hysteresis', type=float, default=0.10)
    ap.add_argument('--no-censor', action='store_true', help='let policies see demand above the allocation')
    ap.add_argument('--policies', default=','.join(POLICIES))
    ap.add_argument('--json', default=None)
    o = ap.parse_args()
    np.random.seed(0)
    t = time.time()
    vms, t0, cpu, mem, lim_c, lim_m = load(o.data)
    V, T = cpu.shape
    print(f'# {V} VMs, {T} steps from {t0}, loaded in {time.time() - t:.0f}s; min gap {o.min_gap} min, '
          f'hysteresis {o.hysteresis:.0%}, censored observations: {not o.no_censor}', flush=True)
    start_i = int((1373241600 - t0) // STEP)               # policies act from 2013-07-08 (a week of warm-up)
    outside = np.array([v not in BUNDLED for v in vms])
    sets = {'all': np.ones(V, bool), 'outside40': outside}
    splits = [(ph, d, int((ts - t0) // STEP)) for ph in ('tune', 'report') for d, ts in WEEKS[ph]]
    res = {}
    for name in o.policies.split(','):
        make, knobs, default = POLICIES[name]
        t = time.time()
        A_c, A_m, chg = replay(make, knobs, cpu, mem, lim_c, lim_m, start_i, o.min_gap // 5, o.hysteresis, not o.no_censor)
        res[name] = {}
        for k, kv in enumerate(knobs):
            rows = slice(k * V, (k + 1) * V)
            for ph, d, i0 in splits:
                for sn, sel in sets.items():
                    s = score(A_c[rows], A_m[rows], chg[rows], cpu, mem, i0, i0 + 7 * DAY, sel)
                    s['cost_usd'] = round(cost(s), 2)
                    res[name].setdefault(f'{d}/{sn}', {})[kv] = s
        del A_c, A_m, chg
        print(f'# {name}: {len(knobs)} knob values replayed in {time.time() - t:.0f}s', flush=True)
    if o.json:
        json.dump({n: {sp: {str(k): v for k, v in d.items()} for sp, d in r.items()} for n, r in res.items()}, open(o.json, 'w'), indent=1)
    report(res, splits, sets)


def report(res, splits, sets):
    cols = ['oom_samples', 'throttled_core_minutes', 'slack_core_hours', 'slack_gib_hours', 'changes', 'cost_usd']
    for ph, d, _ in splits:
        for sn in sets:
            sp = f'{d}/{sn}'
            print(f'\n## week {d} ({ph}), VMs: {sn}\n')
            print('| policy | knob | OOM samples | throttled core-min | slack core-h | slack GiB-h | changes | cost $ |')
            print('|---|---|---|---|---|---|---|---|')
            for name, r in res.items():
                for kv, s in r[sp].items():
                    print(f'| {name} | {kv} | ' + ' | '.join(str(s[c]) for c in cols) + ' |')
    # dominance at VPA-default slack: interpolate each frontier at vpa(0.15)'s CPU slack (throttling) and
    # memory slack (OOM samples)
    print('\n## At the slack of VPA\'s default (margin 0.15): interpolated along each frontier\n')
    print('| split | policy | throttled core-min (÷ VPA) | OOM samples (÷ VPA) | cost at CPU-matched point (÷ VPA) |')
    print('|---|---|---|---|---|')
    for ph, d, _ in splits:
        for sn in sets:
            sp = f'{d}/{sn}'
            if 'vpa' not in res:
                continue
            v = res['vpa'][sp][0.15]
            for name, r in res.items():
                pts = list(r[sp].values())
                th = interp_at(pts, 'slack_core_hours', 'throttled_core_minutes', v['slack_core_hours'])
                oo = interp_at(pts, 'slack_gib_hours', 'oom_samples', v['slack_gib_hours'])
                co = interp_at(pts, 'slack_core_hours', 'cost_usd', v['slack_core_hours'])
                f = lambda x, y: '–' if x is None else f'{x:.0f} ({x / max(y, 1e-9):.2f})'
                print(f'| {sp} | {name} | {f(th, v["throttled_core_minutes"])} | {f(oo, v["oom_samples"])} | {f(co, v["cost_usd"])} |')


if __name__ == '__main__':
    main()
