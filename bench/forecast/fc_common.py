"""Shared data/split/metric code for the forecast study (issue 11 item 3). numpy only.

The store the scorer reads holds one row per imported sample (no rows for missing 5-minute slots),
so the metric below indexes *rows* ("i + k" = the k-th sample after the origin), exactly like
/work/shared/eval/score_exports.py, function `score`, forecasts part."""
import os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'policy'))
STEP, DAY, WEEK, H = 300, 288, 2016, 12
VAL_WEEKS = [('2013-08-02', 1375401600), ('2013-08-09', 1376006400)]
REP_WEEKS = [('2013-08-16', 1376611200), ('2013-08-23', 1377216000)]
RES = ('cpu', 'mem')


def load_grid(root, cache):
    """(vms, t0, {'cpu': V x T, 'mem': V x T}) on the 5-minute grid, NaN = no sample (policy_study.load)."""
    if cache and os.path.exists(cache):
        d = np.load(cache)
        return d['vms'], int(d['t0']), {'cpu': d['cpu'], 'mem': d['mem']}
    from policy_study import load
    vms, t0, cpu, mem, _, _ = load(root)
    if cache:
        np.savez(cache, vms=vms, t0=t0, cpu=cpu, mem=mem)
    return vms, t0, {'cpu': cpu, 'mem': mem}


def vm_set(vms, name):
    if name == 'trained': return vms % 4 == 0
    if name == 'unseen': return vms % 4 == 2
    if name == 'all': return np.ones(len(vms), bool)
    raise ValueError(name)


def origins(t0, T, W):
    """Hourly origin timestamps through the scored week [W, W + 7 d)."""
    return W + 3600 * np.arange(7 * 24)


def series_rows(x, t0, W):
    """Rows of one grid series as the store holds them. Returns (tsec, y, s) where s = mean |diff(h)| of the
    last 2016 finite samples before W (None if the metric skips the series)."""
    ok = np.isfinite(x)
    g = np.where(ok)[0]
    t = t0 + STEP * g
    y = x[g]
    h = y[t < W][-WEEK:]
    s = np.mean(np.abs(np.diff(h))) if len(h) > 2 else 0.0
    if not s > 1e-9 * max(1.0, float(np.max(np.abs(h))) if len(h) else 1.0):
        return g, t, y, None
    return g, t, y, s


def origin_rows(t, W, ts=None):
    """i = index of the last row with timestamp <= ts, for each hourly origin (may be -1)."""
    if ts is None: ts = origins(0, 0, W)
    return np.searchsorted(t, ts, side='right') - 1


def targets(y, i):
    """Y[o, k-1] = y[i_o + k] (NaN where beyond the data); valid origins need i >= 0."""
    n = len(y)
    idx = i[:, None] + np.arange(1, H + 1)[None, :]
    Y = np.full(idx.shape, np.nan)
    ok = (i[:, None] >= 0) & (idx < n)
    Y[ok] = y[idx[ok]]
    return Y


def series_score(P50, Y, y_i, s):
    """ours, naive for one series (mean over all valid (origin, k) of |err| / s)."""
    ok = np.isfinite(Y) & np.isfinite(y_i)[:, None]
    if not ok.any(): return None
    e = np.abs(P50 - Y)[ok]; n = np.abs(y_i[:, None] - Y)[ok]
    return e.mean() / s, n.mean() / s


def arima_subsample(vms, n=40):
    """AutoARIMA is run on a documented subsample (machine time): n VMs of each of the trained (id % 4 == 0) and
    unseen (id % 4 == 2) sets, evenly spaced over the sorted ids (positions round(linspace(0, len-1, n))).
    Returned interleaved (trained, unseen, trained, ...) so that a run cut short covers both sets evenly."""
    pick = []
    for m in (0, 2):
        ids = np.sort(vms[vms % 4 == m])
        pick.append([int(v) for v in ids[np.round(np.linspace(0, len(ids) - 1, n)).astype(int)]])
    return [v for pair in zip(*pick) for v in pair]


def presplit_series(db, names_file, until, res, min_len):
    """(workload, y, s) for each workload listed in NAMES_FILE (one line, comma-separated) with at
    least `min_len` finite samples of `res` before `until` in the SQLite store `db`: its finite
    values in time order and their mean |diff| (the naive scale of the judge's metric); series
    with no movement (s <= 1e-12) are skipped. The development slice the presplit studies
    (presplit_variants.py, simple_members.py, trend_variants.py) score on."""
    import sqlite3
    c = sqlite3.connect(db)
    ids = {n: i for i, n in c.execute('select id, name from workloads')}
    for w in open(names_file).read().strip().split(','):
        y = np.array([v for (v,) in c.execute(f'select {res} from samples where workload_id = ? and timestamp < ? order by timestamp',
                                               (ids[w], until))], float)
        y = y[np.isfinite(y)]
        if len(y) < min_len: continue
        s = np.mean(np.abs(np.diff(y)))
        if not s > 1e-12: continue
        yield w, y, s
