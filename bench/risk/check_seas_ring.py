# explicit-loop check of the seas features (sbr_7d, sbn_7d, son_7d, sbr_dt) against risk_study's vectorised ones,
# read as the Swift scorer would: only the last 2016 over flags (+ the one before, for the oldest onset)
import sys; sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__))); sys.argv = ['x']
from risk_study import *
vms = load('', '/tmp/research-data/vms.pkl')
rng = np.random.default_rng(1); mism = 0; ticks = 0
for vm in rng.choice(sorted(vms), 8, replace=False):
    v = vms[vm]; S = vm_stats(v)
    for p in (PERIODS[2], PERIODS[5]):
        r = period_rows(v, S, p, extra=True)
        if r is None: continue
        t = v['t']; i0 = np.searchsorted(t, p)
        def alloc(x, k):
            vals = x[i0 - DAY:i0]; vals = vals[np.isfinite(vals)]; return allocation(vals, v['lim'][k], FLOOR[k])
        Ac, Am = alloc(v['cpu'], 0), alloc(v['mem'], 1)
        over = (S['xc'] > Ac) | (S['xm'] > Am)
        idx = np.arange(i0, np.searchsorted(t, p + 7 * 86400)); j = np.searchsorted(t, t[idx] + H * STEP, side='right'); idx = idx[j > idx + 1]
        assert len(idx) == r['n']
        we = lambda tt: ((tt // 86400) + 3) % 7 >= 5
        for q, i in enumerate(idx[::7]):
            q *= 7
            lo_ring = i - WEEK + 1                       # oldest flag the ring holds
            ov = lambda k: bool(over[k]) if k >= max(0, lo_ring - 1) else None
            b = o = c = bd = cd = 0
            for d in range(1, 8):
                hi = i - d * DAY + H
                if hi < 0: continue
                ks = range(max(0, i - d * DAY + 1), hi + 1)
                assert min(ks) >= lo_ring
                a = any(ov(k) for k in ks)
                on = any(ov(k) and (k == 0 or not ov(k - 1)) for k in ks)
                b += a; o += on; c += 1
                if we(t[i] - d * 86400) == we(t[i]): bd += a; cd += 1
            exp = dict(sbr_7d=b / c if c else np.nan, sbn_7d=b if c else np.nan, son_7d=o / c if c else np.nan,
                       sbr_dt=bd / cd if cd else np.nan)
            for k, e in exp.items():
                g = r['F'][k][q]
                if not ((np.isnan(e) and np.isnan(g)) or abs(e - g) < 1e-12): mism += 1
            ticks += 1
print(f'{ticks} ticks checked, {mism} mismatches')
