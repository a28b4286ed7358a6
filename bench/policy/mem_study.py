#!/usr/bin/env python3
"""Memory right-sizing study, part 2 (follows policy_study.py; same data, actuator, censoring, scoring).

Memory and CPU are independent in the common actuator (separate 30-min gaps, separate hysteresis; only
VPA's updater couples them), so this script replays the MEMORY side alone, which is ~10x faster than
policy_study.replay. The baselines (vpa, autopilot, reactive, pred-final) come from
results/all-censored.json, produced by policy_study.py; `pred-final-mem` here re-runs pred-final's memory
rule through this memory-only replay and reproduces that file's OOM / GiB-h numbers exactly
(checked by hand: 08-16 all, m_mem 0.1 -> 570 OOM samples, 176,366.1 GiB-h in both).

  python3 mem_study.py --data /tmp/policy-data/bitbrains-rnd --json results/mem-censored.json

Policies (knob = λ, the price of one GiB of slack per 5-min tick in "expected OOM samples"):
  mem-risk      learned conditional survival table S_b(q) = P(mem[t+k] > q * ref(t)), k=1..H, pooled over
                all VMs of the training weeks, b = feature bin; allocate ref * q*, q* = argmin_q S_b(q) + λ ref q / GiB
  mem-quantile  same table, uniform target: q* = smallest q with S_b(q) <= α (knob α)
  -v / -vs / -q / -qz: feature bins (see SPEC_*); -h1: horizon 1 tick; -winNh: decrease window of N hours.
  Chosen: mem-risk-qz-win2h (README, part 2, has the Swift spec).
Deterministic; numpy only.
"""
import argparse, json, os, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_study as ps
from policy_study import DAY, HOUR, MIB, GIB, STEP, seasonal_q, recent_max

FLOOR_M = 250e6
T_ACT = 1373241600                      # 2013-07-08: policies act from here
CUTOFF = {'tune': 1375401600, 'report': 1376611200}      # training data must end before these (08-02 / 08-16)


def load_cached(root):
    c = os.path.join(os.path.dirname(root.rstrip('/')), 'cache.npz')
    if os.path.exists(c):
        z = np.load(c)
        return z['vms'], int(z['t0']), z['cpu'], z['mem'], z['lc'], z['lm']
    vms, t0, cpu, mem, lc, lm = ps.load(root)
    np.savez(c, vms=vms, t0=t0, cpu=cpu, mem=mem, lc=lc, lm=lm)
    return vms, t0, cpu, mem, lc, lm


# ------------------------------------------------------------------------------------ features
class MemFeatures:
    """Per-row state of the observed (censored) memory history and the features every memory policy here
    uses. Updated once per tick with the observed value (NaN = not measured) and the OOM flag.
      P24   = max observed memory over the current hour and the previous 23 whole hours (hourly block maxima)
      S14   = max of the observed memory at the same time of day as the next 12 steps, over the last 14 days
              (refreshed at the top of each hour)
      OOMP  = after an OOM kill at allocation a: max(1.2 a, a + 100 MiB), kept 24 h
      ref   = max(P24, S14, OOMP)               (= pred-final's memory target before its margin)
      J7    = largest rise between consecutive hourly maxima over the last 7 days (refreshed hourly)
      cur   = last observed value"""

    def __init__(self, B, T):
        self.obs = np.full((B, T), np.nan)
        self.hmax = np.full((B, T // HOUR + 1), -np.inf)
        self.oom_peak = np.zeros(B); self.oom_t = np.full(B, -10 ** 9)
        self.cur = np.full(B, np.nan); self.last_oom = np.full(B, -10 ** 9)

    def observe(self, i, om, am, oom):
        self.obs[:, i] = om
        h = i // HOUR
        self.hmax[:, h] = np.fmax(self.hmax[:, h], np.nan_to_num(om, nan=-np.inf))
        self.oom_peak = np.where(oom, np.maximum(am * 1.2, am + 100 * MIB), self.oom_peak)
        self.oom_t = np.where(oom, i, self.oom_t)
        self.cur = np.where(np.isfinite(om), om, self.cur)

    def compute(self, i):
        h = i // HOUR
        if i % HOUR == 0 or not hasattr(self, 'S14'):
            self.S14 = seasonal_q(self.obs, i, 1.0, 14)
            x = self.hmax[:, max(0, h - 7 * 24):h + 1]
            d = np.diff(np.where(np.isfinite(x), x, np.nan), axis=1)
            self.J7 = np.max(np.where(np.isfinite(d), np.maximum(d, 0), 0.0), axis=1, initial=0.0)
        self.P24 = recent_max(self.obs, i, DAY, self.hmax)
        self.OOMP = np.where(i - self.oom_t < DAY, self.oom_peak, np.nan)
        self.ref = np.fmax(np.fmax(self.S14, self.P24), self.OOMP)


def feature_bins(F, spec):
    """bin index per row from the features; spec = dict of edges. NaN ref -> bin 0 (unused: policy holds)."""
    ref = np.where(np.isfinite(F.ref) & (F.ref > 0), F.ref, np.nan)
    idx = np.zeros(len(ref), int); mult = 1
    for name, edges in spec:
        if name == 'vol':
            x = F.J7 / ref
        elif name == 'cur':
            x = F.cur / ref
        elif name == 'size':                       # log2 GiB of ref (bigger VMs are steadier in relative terms)
            x = np.log2(ref / GIB)
        elif name == 'seas':                       # seasonal max vs the 24 h peak
            x = F.S14 / F.P24
        else:
            raise ValueError(name)
        b = np.searchsorted(np.asarray(edges), np.nan_to_num(x, nan=0.0), side='right')
        idx += b * mult; mult *= len(edges) + 1
    return idx, mult


# ------------------------------------------------------------------------------------ training
QGRID = np.round(np.exp(np.linspace(np.log(0.5), np.log(16.0), 351)), 6)    # ratio grid, 1 % steps


def training_pass(mem, t0, lim_m):
    """Features at every tick of the raw (uncensored) trace: returns dict of (V, T) float32 arrays.
    The allocation in force during the raw trace is the provisioned size, so no value is censored except
    where memory exceeds the limit (never in this data set)."""
    V, T = mem.shape
    F = MemFeatures(V, T)
    out = {k: np.full((V, T), np.nan, np.float32) for k in ('ref', 'cur', 'J7', 'S14', 'P24')}
    for i in range(T):
        F.observe(i, mem[:, i], lim_m, np.zeros(V, bool))
        F.compute(i)
        for k in out:
            out[k][:, i] = getattr(F, k)
    return out


def learn_table(feat, mem, t0, cutoff_ts, spec, H, t_from=None):
    """Pooled survival table S[b, j] = P(mem[t+k] > QGRID[j] * ref(t)) over training ticks t with
    t_from <= t and t + H < cutoff, k = 1..H, all VMs, rows with finite ref and future value."""
    V, T = mem.shape
    i1 = int((cutoff_ts - t0) // STEP) - H
    i0 = int(((T_ACT if t_from is None else t_from) - t0) // STEP)

    class _F: pass
    f = _F()
    for k in ('ref', 'cur', 'J7', 'S14', 'P24'):
        setattr(f, k, feat[k][:, i0:i1].astype(float).ravel())
    b, nb = feature_bins(f, spec)
    ref = f.ref
    cnt = np.zeros((nb, len(QGRID) + 1)); tot = np.zeros(nb)
    for k in range(1, H + 1):
        fut = mem[:, i0 + k:i1 + k].ravel()
        ok = np.isfinite(ref) & (ref > 0) & np.isfinite(fut)
        r = fut[ok] / ref[ok]
        j = np.searchsorted(QGRID, r, side='left')            # r > QGRID[j'] for all j' < j
        np.add.at(cnt, (b[ok], j), 1.0)
        tot += np.bincount(b[ok], minlength=nb)
    # survival at QGRID[j] = fraction of r > QGRID[j] = (count with index > j) / total
    above = cnt[:, ::-1].cumsum(1)[:, ::-1][:, 1:]             # above[:, j] = sum_{j' > j} cnt[:, j']
    S = above / np.maximum(tot, 1)[:, None]
    return S, tot


def lower_hull(S_b):
    """Vertices (indices into QGRID) of the lower convex hull of the points (QGRID[j], S_b[j]) from the first
    point up to the first point with S = 0. For every λ >= 0 and ref > 0, the smallest minimiser of
    S_b[j] + λ ref QGRID[j] over the whole grid is one of these vertices, so a port needs only them."""
    last = int(np.argmax(S_b <= 0)) if (S_b <= 0).any() else len(S_b) - 1
    h = []
    for j in range(last + 1):
        while len(h) >= 2:
            a, b = h[-2], h[-1]
            # b is not below the segment a -> j: drop it
            if (S_b[b] - S_b[a]) * (QGRID[j] - QGRID[a]) >= (S_b[j] - S_b[a]) * (QGRID[b] - QGRID[a]):
                h.pop()
            else:
                break
        h.append(j)
    return h


# ------------------------------------------------------------------------------------ policies
class MemRisk:
    """alloc = ref * q*, q* = argmin_j S_b[j] + lam * ref * QGRID[j] / GiB (Lagrangian: expected OOM samples per
    tick + λ x GiB of allocation); mode 'quantile': q* = smallest QGRID[j] with S_b[j] <= alpha."""

    def __init__(self, V, knobs, T, table, spec, mode='lagrange', qmin=None, dec_hold=0, dec_win=0):
        self.K = len(knobs); self.V = V
        self.kv = np.repeat(np.asarray(knobs, float), V)
        self.F = MemFeatures(self.K * V, T)
        self.S, self.spec, self.mode = table, spec, mode
        self.qmin = qmin; self.dec_hold = dec_hold
        self.last_up = np.full(self.K * V, -10 ** 9); self.prev_am = None
        self.dec_win = dec_win; self.raw = np.full((self.K * V, max(dec_win, 1)), np.nan)

    def observe(self, i, om, am, oom):
        self.F.observe(i, om, am, oom)
        if self.prev_am is not None:
            self.last_up = np.where(am > self.prev_am, i, self.last_up)
        self.prev_am = am.copy()

    def propose(self, i, am):
        F = self.F
        F.compute(i)
        b, _ = feature_bins(F, self.spec)
        ref = F.ref
        if self.mode == 'lagrange':                             # argmin over the lower-hull vertices only
            if not hasattr(self, 'Qh'):                         # (identical to the argmin over the whole grid)
                hs = [lower_hull(self.S[k]) for k in range(self.S.shape[0])]
                n = max(len(h) for h in hs)
                self.Qh = np.full((len(hs), n), np.inf); self.Sh = np.full((len(hs), n), np.inf)
                for k, h in enumerate(hs):
                    self.Qh[k, :len(h)] = QGRID[h]; self.Sh[k, :len(h)] = self.S[k, h]
            Qb = self.Qh[b]
            c = self.Sh[b] + (self.kv * np.nan_to_num(ref) / GIB)[:, None] * np.where(np.isfinite(Qb), Qb, 0)
            q = np.take_along_axis(Qb, np.argmin(c, axis=1)[:, None], 1)[:, 0]
        else:
            S = self.S[b]
            ok = S <= self.kv[:, None]
            q = QGRID[np.where(ok.any(1), np.argmax(ok, axis=1), len(QGRID) - 1)]
        if self.qmin is not None:
            q = np.maximum(q, self.qmin)
        tm = ref * q
        if self.dec_hold:
            tm = np.where((i - self.last_up < self.dec_hold) & (tm < am), am, tm)
        if self.dec_win:                   # a decrease goes only to the max raw target of the last dec_win ticks
            self.raw[:, i % self.dec_win] = np.where(np.isfinite(tm), tm, am)
            hi = np.max(np.where(np.isfinite(self.raw), self.raw, np.inf), axis=1)
            tm = np.where(tm < am, np.minimum(am, hi), tm)
        return np.where(np.isfinite(tm) & (tm > 0), tm, am)


class MemPredFinal:
    """pred-final's memory rule: (1+m) * max(S14, P24, OOMP) — for the reproduction check and as baseline."""

    def __init__(self, V, knobs, T):
        self.K = len(knobs); self.kv = np.repeat(np.asarray(knobs, float), V)
        self.F = MemFeatures(self.K * V, T)

    def observe(self, i, om, am, oom):
        self.F.observe(i, om, am, oom)

    def propose(self, i, am):
        self.F.compute(i)
        tm = self.F.ref * (1 + self.kv)
        return np.where(np.isfinite(tm), tm, am)


# ------------------------------------------------------------------------------------ replay
def replay_mem(pol, mem, lim_m, start_i, min_gap=6, hyst=0.10, up_min=0.02, censor=True):
    """Memory half of policy_study.replay (identical actuator): start at the limit, act from start_i,
    >= min_gap steps between changes unless an OOM happened this tick, decrease only below (1-hyst) x
    current, increase only above (1+up_min) x current, clip to [250 MB, limit]."""
    K = pol.K
    V, T = mem.shape
    B = K * V
    M = np.tile(mem, (K, 1)); Lm = np.tile(lim_m, K)
    am = Lm.copy()
    A = np.empty((B, T), np.float32); chg = np.zeros((B, T), bool)
    last = np.full(B, -10 ** 9)
    for i in range(T):
        A[:, i] = am
        m = M[:, i]
        oom = np.isfinite(m) & (m > am)
        om = np.where(censor & oom, am, m)
        pol.observe(i, om, am, oom)
        if i < start_i:
            continue
        tm = np.clip(pol.propose(i, am), FLOOR_M, Lm)
        ok = ((i - last) >= min_gap) | oom
        d = ok & ((tm > am * (1 + up_min)) | (tm < am * (1 - hyst)))
        am = np.where(d, tm, am); last = np.where(d, i, last); chg[:, i] = d
    return A, chg


def score_mem(A, chg, mem, i0, i1, sel):
    m = mem[sel, i0:i1]; a = A[sel, i0:i1].astype(float); fm = np.isfinite(m); h = STEP / 3600
    return {'oom_samples': int(np.sum(fm & (m > a))),
            'slack_gib_hours': round(float(np.sum(np.where(fm, np.maximum(0, a - m), 0)) / GIB * h), 1),
            'alloc_gib_hours': round(float(np.sum(np.where(fm, a, 0)) / GIB * h), 1),
            'mem_changes': int(chg[sel, i0:i1].sum())}


# ------------------------------------------------------------------------------------ driver
SPEC_VC = [('vol', [0.02, 0.05, 0.1, 0.2, 0.4]), ('cur', [0.5, 0.8, 0.95])]
LAMS = [0.0000625, 0.000125, 0.00025, 0.0005, 0.001, 0.002, 0.004]
SPEC_Q = [('vol', [0.5, 0.7, 0.9, 1.2, 2.0]), ('cur', [0.02, 0.15, 0.35, 0.6])]
SPEC_QS = [('vol', [0.5, 0.7, 0.9, 1.2, 2.0]), ('size', [-1.5, -0.6, 0.4, 2.5])]
SPEC_V = [('vol', [0.02, 0.05, 0.1, 0.2, 0.4])]
SPEC_VS = [('vol', [0.02, 0.05, 0.1, 0.2, 0.4]), ('size', [-1, 0, 1, 2, 3])]
POLICIES = {
    # name: (kind, knobs, options)
    'pred-final-mem': ('pf', [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5], {}),
    'mem-risk': ('risk', LAMS, dict(spec=SPEC_VC, H=6)),
    'mem-risk-v': ('risk', LAMS, dict(spec=SPEC_V, H=6)),
    'mem-risk-vs': ('risk', LAMS, dict(spec=SPEC_VS, H=6)),
    'mem-risk-h1': ('risk', LAMS, dict(spec=SPEC_VC, H=1)),
    'mem-risk-win6h': ('risk', LAMS, dict(spec=SPEC_VC, H=6, dec_win=6 * HOUR)),
    'mem-risk-q-win6h': ('risk', LAMS, dict(spec=SPEC_Q, H=6, dec_win=6 * HOUR)),
    'mem-risk-win2h': ('risk', LAMS, dict(spec=SPEC_VC, H=6, dec_win=2 * HOUR)),
    'mem-risk-q-win2h': ('risk', LAMS, dict(spec=SPEC_Q, H=6, dec_win=2 * HOUR)),
    'mem-risk-qz-win2h': ('risk', LAMS, dict(spec=SPEC_Q + [('size', [-1.5, -0.6, 0.4, 2.5])], H=6, dec_win=2 * HOUR)),
    'mem-quantile': ('risk', [0.03, 0.01, 0.003, 0.001, 0.0003, 0.0001], dict(spec=SPEC_VC, H=6, mode='quantile')),
}


def run(name, data, feat, o):
    vms, t0, cpu, mem, lc, lm = data
    kind, knobs, opt = POLICIES[name]
    V, T = mem.shape
    start_i = int((T_ACT - t0) // STEP)
    outside = np.array([v not in ps.BUNDLED for v in vms])
    sets = {'all': np.ones(V, bool), 'outside40': outside}
    res, extra = {}, {}
    for ph in ('tune', 'report'):
        if kind == 'pf':
            pol = MemPredFinal(V, knobs, T)
        else:
            S, tot = learn_table(feat, mem, t0, CUTOFF[ph], opt['spec'], opt['H'])
            extra[ph] = {'S': S, 'tot': tot}
            pol = MemRisk(V, knobs, T, S, opt['spec'], mode=opt.get('mode', 'lagrange'),
                          qmin=opt.get('qmin'), dec_hold=opt.get('dec_hold', 0), dec_win=opt.get('dec_win', 0))
        A, chg = replay_mem(pol, mem, lm, start_i, censor=not o.no_censor)
        for d, ts in ps.WEEKS[ph]:
            i0 = int((ts - t0) // STEP)
            for sn, sel in sets.items():
                for k, kv in enumerate(knobs):
                    rows = slice(k * V, (k + 1) * V)
                    res.setdefault(f'{d}/{sn}', {})[str(kv)] = score_mem(A[rows], chg[rows], mem, i0, i0 + 7 * DAY, sel)
        del A, chg, pol
    return res, extra


def frontier_report(R, base, names, out=sys.stdout):
    """OOM samples of each policy interpolated (linearly between knob values, as analyse.py) at the memory
    slack of vpa(0.15); ratio to VPA."""
    splits = sorted(base['vpa'])
    print('| split | ' + ' | '.join(names) + ' |', file=out)
    print('|---|' + '---|' * len(names), file=out)
    for sp in splits:
        v = base['vpa'][sp]['0.15']
        row = []
        for n in names:
            r = R[n] if n in R else base[n]
            x = ps.interp_at(list(r[sp].values()), 'slack_gib_hours', 'oom_samples', v['slack_gib_hours'])
            row.append('–' if x is None else f'{x:.0f} ({x / v["oom_samples"]:.2f})')
        print(f'| {sp} | ' + ' | '.join(row) + ' |', file=out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='/tmp/policy-data/bitbrains-rnd')
    ap.add_argument('--policies', default=','.join(POLICIES))
    ap.add_argument('--base', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'all-censored.json'))
    ap.add_argument('--no-censor', action='store_true')
    ap.add_argument('--json', default=None)
    ap.add_argument('--export', default=None, help='write the learned hull tables of the first policy to this file')
    ap.add_argument('--lam', type=float, default=None, help='λ recorded with --export')
    o = ap.parse_args()
    t = time.time()
    data = load_cached(o.data)
    vms, t0, cpu, mem, lc, lm = data
    fc = os.path.join(os.path.dirname(o.data.rstrip('/')), 'memfeat.npz')
    if os.path.exists(fc):
        feat = dict(np.load(fc))
    else:
        feat = training_pass(mem, t0, lm); np.savez(fc, **feat)
    print(f'# loaded + training features in {time.time() - t:.0f}s', flush=True)
    if o.export:
        n = o.policies.split(',')[0]
        out = export(n, data, feat, o.export, o.lam)
        hulls = out['tables']['report']['hulls']
        print(f'# worked examples ({n}, report table, λ = {o.lam}): ref GiB, J7 GiB, cur GiB -> bin, q*, target bytes')
        for ref, J7, cur in [(0.5, 0.4, 0.1), (2.0, 1.0, 0.3), (4.0, 8.0, 3.9), (16.0, 2.0, 1.0), (64.0, 10.0, 40.0)]:
            b, q, tm = mem_risk_target(ref * GIB, J7 * GIB, cur * GIB, o.lam, out['spec'], hulls)
            print(f'ref={ref} GiB J7={J7} GiB cur={cur} GiB -> bin {b}, q* = {q:.6f}, target = {tm:.6f} bytes = {tm / GIB:.6f} GiB')
        return
    base = json.load(open(o.base))
    R = {}
    for n in o.policies.split(','):
        t = time.time()
        R[n], _ = run(n, data, feat, o)
        print(f'# {n}: {time.time() - t:.0f}s', flush=True)
        for sp in sorted(R[n]):
            print(sp, ' '.join(f'{k}:{s["oom_samples"]}/{s["slack_gib_hours"]:.0f}/{s["mem_changes"]}' for k, s in R[n][sp].items()))
    if o.json:
        json.dump(R, open(o.json, 'w'), indent=1)
    frontier_report(R, base, ['autopilot', 'reactive-fine', 'pred-final'] + list(R))



# ------------------------------------------------------------------------------------ export for the Swift port
def mem_risk_target(ref, J7, cur, lam, spec, hulls):
    """Scalar reference implementation of mem-risk's raw target (before the decrease window, clipping and the
    actuator), from the exported hull table: the spec a Swift unit test checks against."""
    class _F: pass
    f = _F(); f.ref = np.array([ref]); f.J7 = np.array([J7]); f.cur = np.array([cur])
    f.S14 = np.array([np.nan]); f.P24 = np.array([np.nan])
    b = int(feature_bins(f, spec)[0][0])
    qs, ss = hulls[b]
    c = [s + lam * ref / GIB * q for q, s in zip(qs, ss)]
    k = int(np.argmin(c))
    return b, qs[k], ref * qs[k]


def export(name, data, feat, path, lam):
    vms, t0, cpu, mem, lc, lm = data
    kind, knobs, opt = POLICIES[name]
    out = {'policy': name, 'spec': opt['spec'], 'H': opt['H'], 'dec_win': opt.get('dec_win', 0), 'lambda': lam,
           'qgrid': 'exp(linspace(ln 0.5, ln 16, 351)) rounded to 6 decimals', 'tables': {}}
    for ph in ('tune', 'report'):
        S, tot = learn_table(feat, mem, t0, CUTOFF[ph], opt['spec'], opt['H'])
        hulls = []
        for b in range(S.shape[0]):
            h = lower_hull(S[b])
            hulls.append([[float(QGRID[j]) for j in h], [float(S[b, j]) for j in h]])
        out['tables'][ph] = {'trained_before': CUTOFF[ph], 'samples_per_bin': [int(x) for x in tot], 'hulls': hulls}
    json.dump(out, open(path, 'w'), indent=1)
    return out


if __name__ == '__main__':
    main()
