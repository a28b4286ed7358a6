#!/usr/bin/env python3
"""CPU churn study (follows policy_study.py): pred-final-hold2h's CPU rule replayed alone (the CPU half of
the common actuator is independent of memory), plus decrease-damping variants:
  hold      no decrease within `hold` steps of a throttled tick (pred-final-hold2h: 24 steps)
  dec_win   a decrease targets the MAX of the raw target over the last `dec_win` ticks, i.e. the allocation
            only goes down once the target has stayed below 0.9 x current for the whole window, and then only
            to the highest target seen in it
  dec_gap   no decrease within `dec_gap` steps of the last CPU change (increases keep the 30-min gap)
`pred-final-cpu` (hold 0) and `pred-final-hold2h-cpu` must reproduce results/all-censored.json's
pred-final / pred-final-hold2h CPU numbers (throttled core-minutes, slack core-hours) exactly.

  python3 cpu_churn.py --data /tmp/policy-data/bitbrains-rnd --json results/cpu-churn-censored.json
"""
import argparse, json, os, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_study as ps
from policy_study import DAY, HOUR, STEP, seasonal_q, recent_max
from mem_study import load_cached, T_ACT

FLOOR_C = 0.025
MC = [-0.99, -0.98, -0.97, -0.95, -0.9, -0.85, -0.8, -0.7, -0.6, -0.5, -0.4, -0.2, 0.0]


class CpuPred:
    """pred-final CPU: tc = (1+m) * max(Q95 of the same hour-of-day (next 12 steps) over 7 days (refreshed
    hourly), max of the last 12 observed steps); throttled now -> tc >= 1.5 * alloc."""

    def __init__(self, V, knobs, T, hold=0, dec_win=0, dec_gap=0):
        self.K = len(knobs); B = self.K * V
        self.kv = np.repeat(np.asarray(knobs, float), V)
        self.obs = np.full((B, T), np.nan)
        self.thr_t = np.full(B, -10 ** 9)
        self.hold, self.dec_win, self.dec_gap = hold, dec_win, dec_gap
        self.raw = np.full((B, max(dec_win, 1)), np.nan)          # ring buffer of raw targets
        self.last_chg = np.full(B, -10 ** 9); self.prev_ac = None

    def observe(self, i, oc, ac):
        self.obs[:, i] = oc
        self.thr_t = np.where(np.isfinite(oc) & (oc >= ac), i, self.thr_t)
        if self.prev_ac is not None:
            self.last_chg = np.where(ac != self.prev_ac, i - 1, self.last_chg)
        self.prev_ac = ac.copy()

    def propose(self, i, ac):
        if i % HOUR == 0 or not hasattr(self, 'sc'):
            self.sc = seasonal_q(self.obs, i, 0.95, 7)
        rcm = recent_max(self.obs, i, HOUR)
        tc = np.fmax(self.sc, rcm) * (1 + self.kv)
        tc = np.where(self.thr_t == i, np.fmax(tc, ac * 1.5), tc)
        tc = np.where(np.isfinite(tc), tc, ac)
        if self.hold > 0:
            tc = np.where((i - self.thr_t < self.hold) & (tc < ac), ac, tc)
        if self.dec_win > 0:
            self.raw[:, i % self.dec_win] = tc
            hi = np.max(np.where(np.isfinite(self.raw), self.raw, np.inf), axis=1)   # unfilled -> no decrease
            tc = np.where(tc < ac, np.minimum(ac, hi), tc)
        if self.dec_gap > 0:
            tc = np.where((i - self.last_chg < self.dec_gap) & (tc < ac), ac, tc)
        return tc


def replay_cpu(pol, cpu, lim_c, start_i, min_gap=6, hyst=0.10, up_min=0.02, censor=True):
    K = pol.K; V, T = cpu.shape; B = K * V
    C = np.tile(cpu, (K, 1)); Lc = np.tile(lim_c, K)
    ac = Lc.copy()
    A = np.empty((B, T), np.float32); chg = np.zeros((B, T), bool)
    last = np.full(B, -10 ** 9)
    for i in range(T):
        A[:, i] = ac
        c = C[:, i]
        thr = np.isfinite(c) & (c > ac)
        oc = np.where(censor & thr, ac, c)
        pol.observe(i, oc, ac)
        if i < start_i:
            continue
        tc = np.clip(pol.propose(i, ac), FLOOR_C, Lc)
        ok = (i - last) >= min_gap
        d = ok & ((tc > ac * (1 + up_min)) | (tc < ac * (1 - hyst)))
        ac = np.where(d, tc, ac); last = np.where(d, i, last); chg[:, i] = d
    return A, chg


def score_cpu(A, chg, cpu, i0, i1, sel):
    c = cpu[sel, i0:i1]; a = A[sel, i0:i1].astype(float); fc = np.isfinite(c); h = STEP / 3600
    return {'throttled_core_minutes': round(float(np.sum(np.where(fc, np.maximum(0, c - a), 0)) * STEP / 60), 1),
            'slack_core_hours': round(float(np.sum(np.where(fc, np.maximum(0, a - c), 0)) * h), 1),
            'alloc_core_hours': round(float(np.sum(np.where(fc, a, 0)) * h), 1),
            'cpu_changes': int(chg[sel, i0:i1].sum())}


POLICIES = {
    'pred-final-cpu': dict(),
    'pred-final-hold2h-cpu': dict(hold=2 * HOUR),
    'hold2h-gap3h': dict(hold=2 * HOUR, dec_gap=3 * HOUR),
    'hold2h-gap6h': dict(hold=2 * HOUR, dec_gap=6 * HOUR),
    'hold2h-win3h': dict(hold=2 * HOUR, dec_win=3 * HOUR),
    'hold2h-gap12h': dict(hold=2 * HOUR, dec_gap=12 * HOUR),
    'hold2h-win6h': dict(hold=2 * HOUR, dec_win=6 * HOUR),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='/tmp/policy-data/bitbrains-rnd')
    ap.add_argument('--policies', default=','.join(POLICIES))
    ap.add_argument('--knobs', default=','.join(map(str, MC)))
    ap.add_argument('--base', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'all-censored.json'))
    ap.add_argument('--json', default=None)
    o = ap.parse_args()
    vms, t0, cpu, mem, lc, lm = load_cached(o.data)
    V, T = cpu.shape
    knobs = [float(x) for x in o.knobs.split(',')]
    start_i = int((T_ACT - t0) // STEP)
    outside = np.array([v not in ps.BUNDLED for v in vms])
    sets = {'all': np.ones(V, bool), 'outside40': outside}
    base = json.load(open(o.base))
    R = {}
    for n in o.policies.split(','):
        t = time.time()
        A, chg = replay_cpu(CpuPred(V, knobs, T, **POLICIES[n]), cpu, lc, start_i)
        R[n] = {}
        for ph in ('tune', 'report'):
            for d, ts in ps.WEEKS[ph]:
                i0 = int((ts - t0) // STEP)
                for sn, sel in sets.items():
                    for k, kv in enumerate(knobs):
                        rows = slice(k * V, (k + 1) * V)
                        R[n].setdefault(f'{d}/{sn}', {})[str(kv)] = score_cpu(A[rows], chg[rows], cpu, i0, i0 + 7 * DAY, sel)
        del A, chg
        print(f'# {n}: {time.time() - t:.0f}s', flush=True)
        for sp in sorted(R[n]):
            print(sp, ' '.join(f'{k}:{s["throttled_core_minutes"]:.0f}/{s["slack_core_hours"]:.0f}/{s["cpu_changes"]}'
                               for k, s in R[n][sp].items()), flush=True)
    if o.json:
        json.dump(R, open(o.json, 'w'), indent=1)
    print('\n| split | policy | throttled core-min at VPA CPU slack (÷ VPA) | CPU changes per VM-week there |')
    print('|---|---|---|---|')
    for sp in sorted(base['vpa']):
        v = base['vpa'][sp]['0.15']; nv = 250 if sp.endswith('/all') else 210
        for n in R:
            pts = list(R[n][sp].values())
            x = ps.interp_at(pts, 'slack_core_hours', 'throttled_core_minutes', v['slack_core_hours'])
            c = ps.interp_at(pts, 'slack_core_hours', 'cpu_changes', v['slack_core_hours'])
            print(f'| {sp} | {n} | ' + ('–' if x is None else f'{x:.0f} ({x / v["throttled_core_minutes"]:.2f})') +
                  ' | ' + ('–' if c is None else f'{c / nv:.1f}') + ' |')


if __name__ == '__main__':
    main()
