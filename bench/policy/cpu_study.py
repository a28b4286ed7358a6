#!/usr/bin/env python3
"""CPU right-sizing study, part 3 (follows policy_study.py / cpu_churn.py; same data, actuator, censoring,
scoring): a LEARNED CPU rule in the spirit of the memory table (mem_study.py), against the current
predictive CPU rule (`pred-final` + 2-h throttle hold + 6-h decrease gap = cpu_churn's `hold2h-gap6h`, what
Sources/Decisions/Policies/PredictiveSizing.swift serves) and the VPA recommender (policy_study.VPA).

Splits are the ones of bench/risk/holdout.sh: trained VMs (id = 0 mod 4) and unseen VMs (id = 2 mod 4);
tables are learned ONLY on the trained VMs' raw trace, on data before the week scored: before 08-02 for the
08-02 tune week, before 08-09 for the 08-09 tune week, before 08-16 for both report weeks (08-16, 08-23;
never refitted). Design choices and the knob mapping were made on 08-02 / 08-09 only.

The learned rule (`cpu-nv`, a newsvendor):
  ref  = max(SC, RC), SC = Q95 of the same time of day as the next hour over the last 7 days (hourly),
         RC = max of the last hour (the current rule's base, before its margin)
  features: c = cur / ref (level now), p = W7 / ref (the week's peak over the reference: how far sporadic
         spikes go), z = log2(ref / 1 core) (size); bins by edges fixed from the training quantiles
  table: per bin, the distribution of r = cpu[t+k] / ref(t), k = 1..H (raw, uncensored training trace),
         as a survival on a log grid of ratios
  rule: allocate ref * Q_b(tau), the tau-quantile of the bin: minimises E[(demand - alloc)+] + lam *
         E[(alloc - demand)+] over the next H ticks with tau = 1 / (1 + lam) (the newsvendor's critical
         ratio; both costs scale with ref, so one tau is optimal for every bin), then the current rule's
         throttle bump (x1.5), 2-h hold after a throttled tick and 6-h decrease gap.
  Variants (POLICIES): horizon H, throttle response, bins.

  python3 cpu_study.py --json results/cpu-study.json           # censored observations (default)
  python3 cpu_study.py --trace-demand --json results/cpu-study-trace.json
  python3 cpu_study.py --export results/cpu-risk-table.json    # the chosen table (report cutoff) + golden cases

VPA baselines come from `--vpa` (results/cpu-vpa.json, made by `--run-vpa`: policy_study.replay with VPA on
the same 125 VMs, both censoring modes). Deterministic; numpy only.
"""
import argparse, json, os, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_study as ps
from policy_study import DAY, HOUR, STEP, seasonal_q, recent_max
from mem_study import load_cached, T_ACT
from cpu_churn import CpuPred, replay_cpu, score_cpu, FLOOR_C

WEEKS = [('tune', '2013-08-02', 1375401600), ('tune', '2013-08-09', 1376006400),
         ('report', '2013-08-16', 1376611200), ('report', '2013-08-23', 1377216000)]
# the table serving each scored week is learned on data before this time
CUTOFF = {'2013-08-02': 1375401600, '2013-08-09': 1376006400, '2013-08-16': 1376611200, '2013-08-23': 1376611200}
QGRID = np.round(np.exp(np.linspace(np.log(1 / 64), np.log(64.0), 417)), 6)   # ratio grid, 2 % steps
TAUS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.954, 0.97, 0.98, 0.99, 0.995, 0.998]
MC = [-0.99, -0.98, -0.97, -0.95, -0.9, -0.85, -0.8, -0.7, -0.6, -0.5, -0.4, -0.2, 0.0, 0.2, 0.4]
# bin edges (rounded quantiles of the features over the trained VMs' ticks 07-08 -> 08-02, see --edges)
EDGES = {'c': [0.02, 0.4, 0.7, 0.9, 0.98], 'p': [1.1, 1.8, 2.9, 4.6, 7.0, 15.0], 'z': [-5.0, -3.7, -1.0, 2.0]}


class CpuFeatures:
    """Per-row CPU features from the OBSERVED series (censored in a replay, raw in training), updated per tick."""

    def __init__(self, B, T):
        self.obs = np.full((B, T), np.nan)
        self.hmax = np.full((B, T // HOUR + 1), -np.inf)
        self.cur = np.full(B, np.nan)

    def observe(self, i, oc):
        self.obs[:, i] = oc
        h = i // HOUR
        self.hmax[:, h] = np.fmax(self.hmax[:, h], np.nan_to_num(oc, nan=-np.inf))
        self.cur = np.where(np.isfinite(oc), oc, self.cur)

    def compute(self, i):
        h = i // HOUR
        if i % HOUR == 0 or not hasattr(self, 'SC'):
            self.SC = seasonal_q(self.obs, i, 0.95, 7)
            w = np.max(self.hmax[:, max(0, h - 7 * 24):h + 1], axis=1)
            self.W7 = np.where(np.isfinite(w), w, np.nan)
        self.RC = recent_max(self.obs, i, HOUR)
        self.ref = np.fmax(self.SC, self.RC)
        r = np.where(self.ref > 0, self.ref, np.nan)
        self.c = self.cur / r
        self.p = np.fmax(self.W7, self.ref) / r
        self.z = np.log2(r)


def bins(c, p, z, spec):
    b = np.zeros(np.shape(c), int); mult = 1
    for name, x in (('p', p), ('c', c), ('z', z)):
        if name not in spec:
            continue
        e = EDGES[name]
        b += mult * np.searchsorted(np.asarray(e), np.nan_to_num(x, nan=0.0), side='right')
        mult *= len(e) + 1
    return b


def nbins(spec):
    return int(np.prod([len(EDGES[n]) + 1 for n in spec]))


def feature_pass(cpu):
    """Features of the raw trace at every tick (rows = VMs)."""
    V, T = cpu.shape
    F = CpuFeatures(V, T)
    ref = np.full((V, T), np.nan, np.float32); c = ref.copy(); p = ref.copy()
    for i in range(T):
        F.observe(i, cpu[:, i]); F.compute(i)
        ref[:, i] = F.ref; c[:, i] = F.c; p[:, i] = F.p
    return ref, c, p


def learn_table(feat, cpu, t0, cutoff_ts, spec, H, t_from=T_ACT):
    """counts[b, j] of r = cpu[t+k] / ref(t), k = 1..H, in (QGRID[j-1], QGRID[j]] (j = len(QGRID): above);
    rows t from t_from to cutoff - H (whole futures inside the training period)."""
    ref, c, p = feat
    i0 = int((t_from - t0) // STEP); i1 = int((cutoff_ts - t0) // STEP) - H
    R = ref[:, i0:i1].astype(float)
    ok = np.isfinite(R) & (R > 0)
    b = bins(c[:, i0:i1], p[:, i0:i1], np.log2(np.where(ok, R, 1.0)), spec)
    counts = np.zeros((nbins(spec), len(QGRID) + 1))
    for k in range(1, H + 1):
        fut = cpu[:, i0 + k:i1 + k]
        m = ok & np.isfinite(fut)
        j = np.searchsorted(QGRID, fut[m] / R[m], side='left')
        np.add.at(counts, (b[m], j), 1)
    return counts


def quantiles(counts, taus):
    """Q_b(tau) = the smallest grid ratio q with S_b(q) = P(r > q) <= 1 - tau (a bin without rows: 1)."""
    tot = counts.sum(1)
    above = tot[:, None] - np.cumsum(counts, axis=1)[:, :len(QGRID)]     # #{r > QGRID[j]}
    S = np.where(tot[:, None] > 0, above / np.maximum(tot[:, None], 1), 0.0)
    Q = np.ones((len(counts), len(taus)))
    for k, tau in enumerate(taus):
        hit = S <= 1 - tau + 1e-12
        j = np.where(hit.any(1), np.argmax(hit, axis=1), len(QGRID) - 1)   # none: above the grid -> its last ratio
        Q[:, k] = np.where(tot > 0, QGRID[j], 1.0)
    return Q, S


class CpuLearned:
    """raw = ref * Q_b(tau) (+ the current rule's throttle bump / hold / gap; variants: see POLICIES)."""

    def __init__(self, V, taus, T, Qtab, spec, hold=2 * HOUR, dec_gap=6 * HOUR, bump=1.5, jump_peak=False,
                 floor_recent=False):
        self.K = len(taus); B = self.K * V; self.V = V
        self.F = CpuFeatures(B, T)
        self.Q = Qtab; self.spec = spec; self.kidx = np.repeat(np.arange(self.K), V)
        self.thr_t = np.full(B, -10 ** 9); self.last_chg = np.full(B, -10 ** 9); self.prev_ac = None
        self.hold, self.dec_gap, self.bump, self.jump_peak, self.floor_recent = hold, dec_gap, bump, jump_peak, floor_recent

    def observe(self, i, oc, ac):
        self.F.observe(i, oc)
        self.thr_t = np.where(np.isfinite(oc) & (oc >= ac), i, self.thr_t)
        if self.prev_ac is not None:
            self.last_chg = np.where(ac != self.prev_ac, i - 1, self.last_chg)
        self.prev_ac = ac.copy()

    def propose(self, i, ac):
        F = self.F; F.compute(i)
        b = bins(F.c, F.p, F.z, self.spec)
        tc = F.ref * self.Q[b, self.kidx]
        if self.floor_recent:
            tc = np.fmax(tc, F.RC)
        thr = self.thr_t == i
        tc = np.where(thr, np.fmax(tc, ac * self.bump), tc)
        if self.jump_peak:                                  # throttled: at least the week's observed peak
            tc = np.where(thr, np.fmax(tc, F.W7), tc)
        tc = np.where(np.isfinite(tc), tc, ac)
        if self.hold > 0:
            tc = np.where((i - self.thr_t < self.hold) & (tc < ac), ac, tc)
        if self.dec_gap > 0:
            tc = np.where((i - self.last_chg < self.dec_gap) & (tc < ac), ac, tc)
        return tc


class CpuPredJump(CpuPred):
    """The current rule (hold2h-gap6h) with the throttle response of a learned variant: at least the week's peak."""

    def __init__(self, V, knobs, T, **kw):
        super().__init__(V, knobs, T, **kw)
        self.hmax = np.full((self.K * V, T // HOUR + 1), -np.inf)

    def observe(self, i, oc, ac):
        super().observe(i, oc, ac)
        h = i // HOUR
        self.hmax[:, h] = np.fmax(self.hmax[:, h], np.nan_to_num(oc, nan=-np.inf))

    def propose(self, i, ac):
        tc = super().propose(i, ac)
        h = i // HOUR
        w = np.max(self.hmax[:, max(0, h - 7 * 24):h + 1], axis=1)
        return np.where(self.thr_t == i, np.fmax(tc, np.where(np.isfinite(w), w, tc)), tc)


SPEC3 = ('p', 'c', 'z')
# name -> (kind, spec, H, kwargs); kind 'cur' = the current rule swept over m_cpu, 'nv' = learned, swept over tau
POLICIES = {
    'current': ('cur', None, None, dict(hold=2 * HOUR, dec_gap=6 * HOUR)),
    'current-jump': ('curjump', None, None, dict(hold=2 * HOUR, dec_gap=6 * HOUR)),
    'nv-h1': ('nv', SPEC3, HOUR, {}),
    'nv-h6': ('nv', SPEC3, 6 * HOUR, {}),
    'nv-h6-jump': ('nv', SPEC3, 6 * HOUR, dict(jump_peak=True)),
    'nv-h6-pc': ('nv', ('p', 'c'), 6 * HOUR, {}),
    'nv-h6-p': ('nv', ('p',), 6 * HOUR, {}),
    'nv-h1-jump': ('nv', SPEC3, HOUR, dict(jump_peak=True)),
    'nv-h6-floor': ('nv', SPEC3, 6 * HOUR, dict(floor_recent=True)),
    'nv-h6-bump2': ('nv', SPEC3, 6 * HOUR, dict(bump=2.0)),
    'nv-h2': ('nv', SPEC3, 2 * HOUR, {}),
    'nv-h1-cz': ('nv', ('c', 'z'), HOUR, {}),
    'nv-h1-pc': ('nv', ('p', 'c'), HOUR, {}),
    # chosen on the tune weeks (README part 3): the 1-hour table, never below the last hour's peak
    'nv-h1-floor': ('nv', SPEC3, HOUR, dict(floor_recent=True)),
    'nv-h1-nohold': ('nv', SPEC3, HOUR, dict(hold=0)),
}


def split_sets(vms):
    return {'trained': vms % 4 == 0, 'unseen': vms % 4 == 2}


def run_policy(name, cpu, lc, vms, t0, feat, censor, weeks):
    kind, spec, H, kw = POLICIES[name]
    V, T = cpu.shape
    start_i = int((T_ACT - t0) // STEP)
    sets = split_sets(vms)
    out = {}
    groups = {}
    for ph, d, ts in WEEKS:
        if d in weeks:
            groups.setdefault(CUTOFF[d] if kind == 'nv' else 0, []).append((d, ts))
    for cut, wks in groups.items():
        end = int((max(ts for _, ts in wks) + 7 * 86400 - t0) // STEP)
        C = cpu[:, :end]
        if kind == 'nv':
            counts = learn_table(feat, cpu[vms % 4 == 0], t0, cut, spec, H)
            Q, _ = quantiles(counts, TAUS)
            pol = CpuLearned(V, TAUS, end, Q, spec, **kw); knobs = TAUS
        elif kind == 'cur':
            pol = CpuPred(V, MC, end, **kw); knobs = MC
        else:
            pol = CpuPredJump(V, MC, end, **kw); knobs = MC
        A, chg = replay_cpu(pol, C, lc, start_i, censor=censor)
        for d, ts in wks:
            i0 = int((ts - t0) // STEP)
            for sn, sel in sets.items():
                for k, kv in enumerate(knobs):
                    rows = slice(k * V, (k + 1) * V)
                    out.setdefault(f'{d}/{sn}', {})[str(kv)] = score_cpu(A[rows], chg[rows], C, i0, i0 + 7 * DAY, sel)
        del A, chg
    return out


def interp(pts, x):
    p = sorted((q['slack_core_hours'], q['throttled_core_minutes'], q['cpu_changes'], q['alloc_core_hours']) for q in pts)
    xs = np.array([a[0] for a in p])
    if x < xs[0] - 1e-9 or x > xs[-1] + 1e-9:
        return None
    return [float(np.interp(x, xs, [a[j] for a in p])) for j in (1, 2, 3)]


def table(R, vpa, floors, out=sys.stdout):
    print('| split | VPA(0.15) throttled core-min (above-limit floor) | ' + ' | '.join(R) + ' |', file=out)
    print('|---|---|' + '---|' * len(R), file=out)
    for _, d, _ in WEEKS:
        for sn in ('trained', 'unseen'):
            sp = f'{d}/{sn}'
            if sp not in vpa or not all(sp in r for r in R.values()):
                continue
            v = vpa[sp]['0.15']; fl = floors[sp]
            cells = []
            for n, r in R.items():
                x = interp(list(r[sp].values()), v['slack_core_hours'])
                cells.append('–' if x is None else f'{x[0] / v["throttled_core_minutes"]:.2f} '
                             f'({(x[0] - fl) / max(v["throttled_core_minutes"] - fl, 1e-9):.2f}; {x[1] / 62:.0f}/VM-wk)')
            print(f'| {sp} | {v["throttled_core_minutes"]:,.0f} ({fl:,.0f}) | ' + ' | '.join(cells) + ' |', file=out)


def floors_of(cpu, lc, vms, t0):
    f = {}
    for _, d, ts in WEEKS:
        i0 = int((ts - t0) // STEP)
        for sn, sel in split_sets(vms).items():
            c = cpu[sel, i0:i0 + 7 * DAY]
            f[f'{d}/{sn}'] = float(np.nansum(np.maximum(c - lc[sel][:, None], 0)) * STEP / 60)
    return f


def readme_tables(names=('current', 'nv-h1-floor'), out=sys.stdout):
    """The README's tables from results/cpu-study-{censored,trace}.json and results/cpu-vpa.json."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results')
    vpa_all = json.load(open(os.path.join(here, 'cpu-vpa.json')))
    vms, t0, cpu, _, lc, _ = load_cached('/tmp/policy-data/bitbrains-rnd')
    keep = (vms % 4 == 0) | (vms % 4 == 2)
    floors = floors_of(cpu[keep], lc[keep], vms[keep], t0)
    for mode in ('censored', 'trace'):
        R = json.load(open(os.path.join(here, f'cpu-study-{mode}.json'))); vpa = vpa_all[mode]
        print(f'\n### {mode}\n', file=out)
        print('| week | VMs | VPA(0.15) throttled core-min | above-limit floor | VPA slack core-h | current ÷ VPA | '
              '**learned ÷ VPA** | learned ÷ current | same above the floor | same at 1.5 × VPA slack | CPU changes / VM-week current → learned |', file=out)
        print('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|', file=out)
        for ph, d, _ in WEEKS:
            for sn in ('trained', 'unseen'):
                sp = f'{d}/{sn}'; v = vpa[sp]['0.15']; fl = floors[sp]; vt = v['throttled_core_minutes']
                row = [f'{d[5:]}{" (tune)" if ph == "tune" else ""}', sn, f'{vt:,.0f}', f'{fl:,.0f} ({fl / vt:.2f})', f'{v["slack_core_hours"]:,.0f}']
                c1 = interp(list(R[names[0]][sp].values()), v['slack_core_hours'])
                l1 = interp(list(R[names[1]][sp].values()), v['slack_core_hours'])
                c15 = interp(list(R[names[0]][sp].values()), 1.5 * v['slack_core_hours'])
                l15 = interp(list(R[names[1]][sp].values()), 1.5 * v['slack_core_hours'])
                row.append('–' if c1 is None else f'{c1[0] / vt:.2f}')
                row.append('–' if l1 is None else f'**{l1[0] / vt:.2f}**')
                row.append('–' if c1 is None or l1 is None else f'{l1[0] / c1[0]:.2f}')
                row.append('–' if c1 is None or l1 is None else f'{(l1[0] - fl) / (c1[0] - fl):.2f}')
                row.append('–' if c15 is None or l15 is None else f'{l15[0] / c15[0]:.2f}')
                nv = int(split_sets(vms[keep])[sn].sum())
                row.append('–' if c1 is None or l1 is None else f'{c1[1] / nv:.0f} → {l1[1] / nv:.0f}')
                print('| ' + ' | '.join(row) + ' |', file=out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='/tmp/policy-data/bitbrains-rnd')
    ap.add_argument('--policies', default='current,nv-h1,nv-h6')
    ap.add_argument('--weeks', default='2013-08-02,2013-08-09,2013-08-16,2013-08-23')
    ap.add_argument('--trace-demand', action='store_true', help='policies see demand above the allocation')
    ap.add_argument('--vpa', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'cpu-vpa.json'))
    ap.add_argument('--json', default=None)
    ap.add_argument('--merge', default=None, help='earlier --json output to add to the printed table')
    ap.add_argument('--edges', action='store_true', help='print feature quantiles on the training ticks before 08-02')
    ap.add_argument('--export', default=None)
    ap.add_argument('--export-policy', default='nv-h1-floor')
    ap.add_argument('--readme', action='store_true', help='print the README tables from results/')
    o = ap.parse_args()
    if o.readme:
        readme_tables()
        return
    vms, t0, cpu, mem, lc, lm = load_cached(o.data)
    keep = (vms % 4 == 0) | (vms % 4 == 2)
    vms, cpu, lc = vms[keep], cpu[keep], lc[keep]
    fcache = os.path.join(os.path.dirname(o.data.rstrip('/')), 'cpufeat.npz')
    if os.path.exists(fcache):
        z = np.load(fcache); feat = (z['ref'], z['c'], z['p'])
    else:
        t = time.time(); feat = feature_pass(cpu[vms % 4 == 0])
        np.savez(fcache, ref=feat[0], c=feat[1], p=feat[2]); print(f'# features in {time.time() - t:.0f}s', flush=True)
    if o.edges:
        ref, c, p = feat
        i0 = int((T_ACT - t0) // STEP); i1 = int((1375401600 - t0) // STEP)
        ok = np.isfinite(ref[:, i0:i1]) & (ref[:, i0:i1] > 0)
        for n, x in (('c', c[:, i0:i1][ok]), ('p', p[:, i0:i1][ok]), ('z', np.log2(ref[:, i0:i1][ok]))):
            print(n, np.round(np.nanquantile(x, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]), 3))
        return
    if o.export:
        export(o, vms, t0, cpu, feat)
        return
    R = {}
    for n in o.policies.split(','):
        t = time.time()
        R[n] = run_policy(n, cpu, lc, vms, t0, feat, not o.trace_demand, o.weeks.split(','))
        print(f'# {n}: {time.time() - t:.0f}s', flush=True)
        for sp in sorted(R[n]):
            print(sp, ' '.join(f'{k}:{s["throttled_core_minutes"]:.0f}/{s["slack_core_hours"]:.0f}/{s["cpu_changes"]}'
                               for k, s in R[n][sp].items()), flush=True)
    if o.json:
        json.dump(R, open(o.json, 'w'), indent=1)
    if o.merge:
        R = {**json.load(open(o.merge)), **R}
    vpa = json.load(open(o.vpa))['trace' if o.trace_demand else 'censored']
    print('\nthrottled core-min at VPA(0.15)\'s CPU slack ÷ VPA\'s (in brackets: the same above the provisioned-limit '
          'floor no policy can avoid; CPU changes per VM-week there)\n')
    table(R, vpa, floors_of(cpu, lc, vms, t0))


def export(o, vms, t0, cpu, feat):
    kind, spec, H, kw = POLICIES[o.export_policy]
    counts = learn_table(feat, cpu[vms % 4 == 0], t0, CUTOFF['2013-08-16'], spec, H)
    json.dump({'policy': o.export_policy, 'spec': spec, 'edges': {k: EDGES[k] for k in spec}, 'horizon_steps': H,
               'grid': QGRID.tolist(), 'counts': counts.tolist()}, open(o.export, 'w'))
    print(f'# wrote {o.export}: {len(counts)} bins, {int(counts.sum())} rows')


if __name__ == '__main__':
    main()
