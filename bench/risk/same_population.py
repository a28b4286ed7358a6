#!/usr/bin/env python3
"""Part 5 of README.md: the Swift learned risk against the study's LightGBM on the SAME VMs
and weeks as bench/risk/holdout.sh, on the tuning week only (default 2013-08-09).

Training VMs: ids = 0 (mod 4); scored VMs: ids = 2 (mod 4) (and the training VMs' later week);
training weeks: every week before --week (07-05 ...), as the Swift trainer takes them
(`headroom-trainer train --until WEEK`, up to 6 weekly periods, every 4th tick).
Features: the 32 of `RiskFeatures.names` (COMPACT + ONSET + sbr3_7dr + SEAS; the Swift
`sbr3_7d` is the study's ring-read `sbr3_7dr`), from the study's cache rows-x.pkl.

  python bench/risk/same_population.py --swift-model /tmp/gap/models/risk/V/risk.safetensors \\
      --swift-dir /tmp/gap/2013-08-09-unseen [--swift-dir-trained /tmp/gap/2013-08-09-trained] [--out /tmp/gap/py]

Prints the study-metric table for: the Swift trees (read from the model file) applied to the
Python features; LightGBM fits under several protocols; and the tick-by-tick comparison of the
Swift replay's exported risk with the Swift trees on the Python features. For each learner it
also writes DIR/<learner>/scores.csv beside a link to the Swift replay's alloc-static.csv, so
../shared/eval/score_exports.py scores it on exactly the Swift replay's ticks and allocations.
"""
import argparse, csv, json, os, pickle, struct, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from risk_study import *   # noqa: F401,F403  (load, build, trim_rows, metrics, COMPACT, ONSET, SEAS, ...)

SWIFT = COMPACT + ONSET + ['sbr3_7dr'] + SEAS   # RiskFeatures.names order
SWIFT_NAMES = ["u", "xc", "xm", "br_1h", "br_1d", "br_1w", "brk_yd", "mxc_yd", "mxm_yd", "zc", "zm", "zm_1d",
               "volm_1h", "volm_1d", "qm99_1d", "dc_yd", "mxc_1h", "mxm_1h", "mxm_1d", "brm_1d", "tod_s", "tod_c",
               "on_1d", "on_1w", "hz_1d", "hz_1w", "tsl", "sbr3_7d", "sbr_7d", "sbn_7d", "son_7d", "sbr_dt"]
assert [n.replace('sbr3_7dr', 'sbr3_7d') for n in SWIFT] == SWIFT_NAMES


# ----------------------------------------------------------------------------- the Swift model file
def read_safetensors(path):
    b = open(path, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8 + n]); base = 8 + n
    T = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        s, e = v['data_offsets']
        T[k] = np.frombuffer(b[base + s:base + e], dtype={'F64': '<f8', 'I64': '<i8'}[v['dtype']]).reshape(v['shape'])
    return T, h.get('__metadata__', {})


class SwiftRisk:
    """GBTModel + Platt exactly as LearnedRisk.probability: p = sigma(a + b * F(x)), F walked as
    GBTModel.rawScore (x <= threshold left; NaN by nan_goes_left), trees added in order."""
    def __init__(self, path):
        T, meta = read_safetensors(path); p = 'learned.trees.'
        self.names = json.loads(meta['learned_features']); self.spec = json.loads(meta[p + 'spec'])
        self.init = float(T[p + 'initial_score'][0]); self.off = T[p + 'tree_offsets'].astype(int)
        self.f = T[p + 'split_features'].astype(int); self.thr = T[p + 'thresholds']
        self.nl = T[p + 'nan_goes_left'].astype(bool); self.l = T[p + 'left_children'].astype(int)
        self.r = T[p + 'right_children'].astype(int); self.v = T[p + 'leaf_values']
        self.platt = T['learned.platt']; self.loss = T[p + 'training_log_loss']

    def raw(self, X):
        tot = np.full(len(X), self.init); rows = np.arange(len(X))
        for t in range(len(self.off) - 1):
            o = self.off[t]; k = np.zeros(len(X), int)
            while True:
                g = o + k; f = self.f[g]; inner = f >= 0
                if not inner.any(): break
                x = X[rows, np.maximum(f, 0)]
                left = np.where(np.isnan(x), self.nl[g], x <= self.thr[g])
                k = np.where(inner, np.where(left, self.l[g], self.r[g]), k)
            tot = tot + self.v[o + k]
        return tot

    def __call__(self, X):
        return 1 / (1 + np.exp(-(self.platt[0] + self.platt[1] * self.raw(X))))


# ----------------------------------------------------------------------------- rows
def tick_times(v, start):
    """Timestamps of period_rows' ticks (same filter: a later sample within the horizon)."""
    t = v['t']; i0 = np.searchsorted(t, start); i1 = np.searchsorted(t, start + 7 * 86400)
    idx = np.arange(i0, i1); j = np.searchsorted(t, t[idx] + H * STEP, side='right')
    return t[idx[j > idx + 1]].astype(np.int64)


def store_vms(db, ids):
    """The VMs as the Swift store holds them (headroom-trainer import): same timestamps and values as
    the CSVs except that CPU with provisioned MHz 0 is 0 (not NaN), and the limits are the store's
    (the importer's; the study reads 0 = none for 12 VMs). Also each VM's interval_seconds."""
    import sqlite3
    c = sqlite3.connect(db); out = {}; interval = {}
    for vm in ids:
        w = c.execute('select id, limit_cpu_cores, limit_memory_bytes, interval_seconds from workloads where name = ?',
                      (f'bitbrains-{vm}',)).fetchone()
        if w is None: continue
        r = c.execute('select timestamp, cpu_cores, memory_bytes from samples where workload_id = ? order by timestamp',
                      (w[0],)).fetchall()
        a = np.array([[x[0], np.nan if x[1] is None else x[1], np.nan if x[2] is None else x[2]] for x in r], float)
        out[vm] = dict(t=a[:, 0], cpu=a[:, 1], mem=a[:, 2], lim=(w[1] or 0.0, w[2] or 0.0)); interval[vm] = w[3]
    return out, interval


def store_rows(vms, periods):
    rows = {}
    for vm, v in vms.items():
        S = vm_stats(v)
        for p in periods:
            r = period_rows(v, S, p, extra=True)
            if r is not None:
                rows[(p, vm)] = dict(F={n: r['F'][n] for n in SWIFT}, y=r['y'], now=r['now'], n=r['n'], B=r['B'])
    return rows


def exported_allocations(d):
    al = {}
    for r in csv.DictReader(open(os.path.join(d, 'alloc-static.csv'))):
        al.setdefault(int(r['workload'].split('-')[1]), set()).add((float(r['cpu_cores']), float(r['memory_bytes'])))
    return al


def rebuild_with_allocation(v, W, Ac, Am):
    """period_rows of week W judged against the given allocation (the Swift replay's) instead of its own."""
    import risk_study
    orig = risk_study.allocation; calls = iter((Ac, Am))
    risk_study.allocation = lambda vals, lim, floor: next(calls)
    try: r = risk_study.period_rows(v, vm_stats(v), W, extra=True)
    finally: risk_study.allocation = orig
    return dict(F={n: r['F'][n] for n in SWIFT}, y=r['y'], now=r['now'], n=r['n'], B=r['B'])


def stack_rows(rows, keys, names, stride=1, phase='random', seed=0):
    Xs, ys, ns, gs = [], [], [], []
    for key in keys:
        r = rows[key]
        if stride == 1: sl = slice(None)
        elif phase == 'random': sl = slice(int(np.random.default_rng(seed + key[1]).integers(stride)), None, stride)
        else: sl = slice(0, None, stride)
        Xs.append(np.column_stack([r['F'][n][sl] for n in names])); ys.append(r['y'][sl]); ns.append(r['now'][sl])
        gs.append(np.full(len(r['y'][sl]), key[1]))
    return np.concatenate(Xs), np.concatenate(ys).astype(int), np.concatenate(ns), np.concatenate(gs)


def lgbm(X, y, seed=0, depth=6, min_child=1000, trees=200, lr=0.05, subsample=0.7, colsample=0.8, **kw):
    import lightgbm as lgb
    m = lgb.LGBMClassifier(n_estimators=trees, learning_rate=lr, max_depth=depth, num_leaves=2 ** depth - 1,
                           min_child_samples=min_child, subsample=subsample, subsample_freq=1 if subsample < 1 else 0,
                           colsample_bytree=colsample, reg_lambda=1.0, random_state=seed, n_jobs=2, verbose=-1, **kw)
    return m.fit(X, y)


def platt_fit(s, y):
    from sklearn.linear_model import LogisticRegression
    return LogisticRegression(C=1e4).fit(s[:, None], y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--cache', default='/tmp/research-data')
    ap.add_argument('--week', default='2013-08-09')
    ap.add_argument('--swift-model', required=True)
    ap.add_argument('--swift-dir', required=True, help='the Swift static replay of the unseen VMs (scores.csv, alloc-static.csv)')
    ap.add_argument('--swift-dir-trained', default=None)
    ap.add_argument('--out', default='/tmp/gap/py')
    ap.add_argument('--seeds', default='0,1,2')
    ap.add_argument('--db', default='/tmp/gap/h.sqlite')
    ap.add_argument('--source', default='store', choices=['store', 'csv'],
                    help='store: the VMs as the Swift store holds them (default); csv: the study cache rows-x.pkl')
    ap.add_argument('--no-alloc-override', dest='override', action='store_false',
                    help='(store) keep the study rule\'s allocation for the scored week even where the replay allocates otherwise')
    ap.add_argument('--all-intervals', dest='only_300', action='store_false',
                    help='(store) also train on the training VMs whose store interval is not 300 s')
    o = ap.parse_args()
    if o.week[-5:] in ('08-16', '08-23'): raise SystemExit('08-16 and 08-23 are the reported weeks; tune on 08-09')
    t00 = time.time()
    W = [p for p in PERIODS if PNAME[p] == o.week[-5:]][0]
    small = os.path.join(o.cache, f'rows-gap-{PNAME[W]}.pkl')
    vms = load('', os.path.join(o.cache, 'vms.pkl'))
    interval = {}
    if o.source == 'store':
        small = os.path.join(o.cache, f'rows-gap-store-{PNAME[W]}.pkl')
        vms, interval = store_vms(o.db, sorted(v for v in vms if v % 4 in (0, 2)))
    if os.path.exists(small):
        rows = pickle.load(open(small, 'rb'))
    elif o.source == 'store':
        rows = store_rows(vms, [p for p in PERIODS if p <= W])
        rows = {k: r for k, r in rows.items() if k[0] < W and k[1] % 4 == 0 or k[0] == W}
        pickle.dump(rows, open(small, 'wb'))
    else:
        allrows = build(vms, os.path.join(o.cache, 'rows-x.pkl'), extra=True)
        rows = {k: dict(F={n: r['F'][n] for n in SWIFT}, y=r['y'], now=r['now'], n=r['n'], B=r['B'])
                for k, r in allrows.items() if (k[0] < W and k[1] % 4 == 0) or (k[0] == W and k[1] % 4 in (0, 2))}
        del allrows
        pickle.dump(rows, open(small, 'wb'))
    print(f'rows ({o.source}): {time.time() - t00:.0f}s, {len(rows)} VM-periods')
    if o.source == 'store' and o.override:
        # the judged event uses the Swift replay's allocations; where they differ from the study's rule
        # (p95 of the last 288 samples x 1.2), rebuild the week's rows against the exported allocation
        for d, rem in ((o.swift_dir, 2), (o.swift_dir_trained, 0)):
            if not d: continue
            for vm, a in exported_allocations(d).items():
                a = sorted(a); v = vms[vm]; i0 = np.searchsorted(v['t'], W)
                fin = lambda x: x[np.isfinite(x)]
                own = (allocation(fin(v['cpu'][i0 - DAY:i0]), v['lim'][0], FLOOR[0]), allocation(fin(v['mem'][i0 - DAY:i0]), v['lim'][1], FLOOR[1]))
                if len(a) == 1 and abs(a[0][0] - own[0]) <= 1e-9 * max(1, own[0]) and abs(a[0][1] - own[1]) <= 1e-6 * own[1]: continue
                print(f'  VM {vm} (interval {interval.get(vm)} s): the replay allocates {a[:2]}{" ..." if len(a) > 2 else ""}, '
                      f'the study rule {own}; week rows rebuilt against the replay\'s')
                assert len(a) == 1
                rows[(W, vm)] = rebuild_with_allocation(v, W, *a[0])
    if interval:
        print('VMs whose store interval is not 300 s (no learned risk in the Swift scorer, not trained on):',
              sorted(k for k, iv in interval.items() if iv != 300))
    trained = sorted(v for v in vms if v % 4 == 0); unseen = sorted(v for v in vms if v % 4 == 2)
    # the Swift trainer keeps only the workloads at the common interval (300 s)
    tr = trim_rows(rows, [k for k in rows if k[0] < W and k[1] % 4 == 0 and (not o.only_300 or interval.get(k[1], 300) == 300)])
    print(f'training: {len(tr)} VM-weeks of {len({k[1] for k in tr})} VMs, weeks {sorted({PNAME[k[0]] for k in tr})}')
    sides = {'unseen': [k for k in rows if k[0] == W and k[1] % 4 == 2],
             'trained': [k for k in rows if k[0] == W and k[1] % 4 == 0]}
    test = {s: stack_rows(rows, keys, SWIFT) for s, keys in sides.items()}
    times = {s: np.concatenate([tick_times(vms[k[1]], W) for k in keys]) for s, keys in sides.items()}
    for s in sides: assert len(times[s]) == len(test[s][1]), s
    sw = SwiftRisk(o.swift_model)
    assert sw.names == SWIFT_NAMES, sw.names
    print(f'Swift model: {len(sw.off) - 1} trees, spec {sw.spec}, Platt {sw.platt.tolist()}')

    learners = {}   # name -> {side: probabilities}
    learners['swift trees on python features'] = {s: sw(test[s][0]) for s in sides}
    seeds = [int(x) for x in o.seeds.split(',')]
    keys = list(tr)
    rng = np.random.default_rng(0)
    train_vm_list = sorted({k[1] for k in keys})
    cal = set(np.array(train_vm_list)[rng.permutation(len(train_vm_list))[:int(0.2 * len(train_vm_list))]].tolist())

    def add(name, model, cal_scores=None):
        raw = {s: model.predict(test[s][0], raw_score=True) for s in sides}
        if cal_scores is not None:
            pl = platt_fit(*cal_scores); learners[name] = {s: pl.predict_proba(raw[s][:, None])[:, 1] for s in sides}
        else:
            learners[name] = {s: 1 / (1 + np.exp(-raw[s])) for s in sides}
        return model

    for phase in ('random', 'zero'):
        X, y, _, g = stack_rows(tr, keys, SWIFT, 4, phase)
        print(f'stride 4 phase {phase}: {len(y)} training rows ({y.sum()} positive)')
        for seed in seeds:
            t0 = time.time()
            # the study's protocol: a calibration slice of 20 % of the training VMs, trees on the rest
            if phase == 'random':
                fit = ~np.isin(g, list(cal))
                m = lgbm(X[fit], y[fit], seed)
                add(f'lgbm study protocol (80 % VMs + Platt slice), seed {seed}', m,
                    (m.predict(X[~fit], raw_score=True), y[~fit]))
                if seed == seeds[0]:
                    from sklearn.isotonic import IsotonicRegression
                    iso = IsotonicRegression(out_of_bounds='clip', y_min=0, y_max=1).fit(m.predict(X[~fit], raw_score=True), y[~fit])
                    learners[f'lgbm study protocol, isotonic instead of Platt, seed {seed}'] = {
                        s_: iso.predict(m.predict(test[s_][0], raw_score=True)) for s_ in sides}
            # Swift's protocol: trees on every training VM (Platt on out-of-fold scores: AUC-neutral,
            # in-sample Platt here, so only AUC is compared for these rows)
            m = lgbm(X, y, seed)
            add(f'lgbm all VMs, phase {phase}, seed {seed}', m, (m.predict(X, raw_score=True), y))
            print(f'  seed {seed}: {time.time() - t0:.0f}s', flush=True)
        if phase == 'zero':
            # learner settings (seed 0): no row/feature subsampling; depth 4 / 500 (the pre-part-3 design)
            add('lgbm all VMs, phase zero, no subsampling', lgbm(X, y, 0, subsample=1.0, colsample=1.0))
            add('lgbm all VMs, phase zero, d4 m500', lgbm(X, y, 0, depth=4, min_child=500))
            add('lgbm all VMs, phase zero, max_bin 63', lgbm(X, y, 0, max_bin=63))
            # the Swift trees' training rows re-scored by the Swift trees (in-sample AUC, a sanity check)
            p_in = sw(X); print(f'  Swift trees on the phase-0 training rows: AUC {auc(p_in, y):.4f} (in sample)')
    X, y, _, g = stack_rows(tr, keys, SWIFT, 1)
    t0 = time.time(); add('lgbm all VMs, every tick (stride 1), seed 0', lgbm(X, y, 0))
    print(f'  stride 1 ({len(y)} rows): {time.time() - t0:.0f}s', flush=True)

    # ------------------------------------------------------------------- study metrics on the Python ticks
    print(f'\n| learner | side | ticks (pos) | AUC | AUC not breaching | Brier skill | ECE |\n|---|---|---|---|---|---|---|')
    for name, P in learners.items():
        for s in sides:
            _, yt, nt, _ = test[s]; m = metrics(P[s], yt, nt)
            print(f"| {name} | {s} | {len(yt)} ({yt.mean():.3f}) | {m['auc']:.4f} | {m['auc_nb']:.4f} | {m['bss']:.4f} | {m['ece']:.4f} |")

    # ------------------------------------------------------------------- tick by tick against the Swift replay
    dirs = {'unseen': o.swift_dir, 'trained': o.swift_dir_trained}
    for s, d in dirs.items():
        if not d: continue
        ex = {}
        for r in csv.DictReader(open(os.path.join(d, 'scores.csv'))):
            ex[(r['workload'], int(float(r['timestamp'])))] = float(r['risk'])
        wl = np.concatenate([np.full(sum(1 for _ in tick_times(vms[k[1]], W)), k[1]) for k in sides[s]])
        key = [(f'bitbrains-{w}', int(t)) for w, t in zip(wl, times[s])]
        e = np.array([ex.get(k, np.nan) for k in key]); p = learners['swift trees on python features'][s]
        ok = np.isfinite(e); d_ = np.abs(e[ok] - p[ok])
        print(f'\n{s}: {ok.sum()} of {len(key)} Python ticks in the Swift export ({len(ex)} exported); '
              f'|exported − Swift trees on Python features|: max {d_.max():.3g}, >1e-9 on {(d_ > 1e-9).sum()}, '
              f'>1e-3 on {(d_ > 1e-3).sum()}, >0.01 on {(d_ > 0.01).sum()}')
        bad = np.flatnonzero(ok)[d_ > 1e-6]
        if len(bad):
            byvm = {}
            for b in bad: byvm[wl[b]] = byvm.get(wl[b], 0) + 1
            print('  ticks differing > 1e-6 by VM:', dict(sorted(byvm.items(), key=lambda kv: -kv[1])[:15]))
        # score every learner through score_exports.py on the Swift replay's own ticks (the exported
        # (workload, timestamp) pairs) and allocations: all VMs, then only the VMs the Swift scorer
        # serves the learned risk to (store interval 300 s)
        import importlib.util
        spec = importlib.util.spec_from_file_location('se', '/work/shared/eval/score_exports.py')
        se = importlib.util.module_from_spec(spec); spec.loader.exec_module(se)
        served = lambda w: interval.get(int(w.split('-')[1]), 300) == 300
        inx = np.array([k in ex for k in key])
        for subset, keep in (('all VMs', lambda w: True), ('VMs at 300 s only', served)):
            nv = len({k[0] for k in ex if keep(k[0])})
            print(f'\n| learner ({s}, {subset}: {nv} VMs; score_exports.py on the Swift replay ticks) | ticks | AUC | AUC not breaching | Brier skill | ECE |\n|---|---|---|---|---|---|')
            tag = 'all' if subset == 'all VMs' else 'served'
            def run(name, pairs):
                od = os.path.join(o.out, s, tag, name.replace(' ', '_').replace(',', '').replace('%', 'pc').replace('(', '').replace(')', '').replace('+', 'and'))
                os.makedirs(od, exist_ok=True)
                link = os.path.join(od, 'alloc-static.csv')
                if not os.path.exists(link): os.symlink(os.path.join(d, 'alloc-static.csv'), link)
                with open(os.path.join(od, 'scores.csv'), 'w') as f:
                    f.write('timestamp,workload,risk,resource_at_risk\n')
                    for (w, t), v in pairs:
                        if keep(w): f.write(f'{t},{w},{float(v)!r},\n')
                r = se.score(o.db, W, od)['risk']
                print(f"| {name} | {r['ticks']} | {r['auc']} | {r['auc_not_breaching_now']} | {r['brier_skill']} | {r['ece']} |", flush=True)
            run('Swift replay (exported risk)', list(ex.items()))
            for name, P in learners.items():
                run(name, [(k, v) for k, v, i in zip(key, P[s], inx) if i])
    print(f'runtime {time.time() - t00:.0f}s')


if __name__ == '__main__':
    main()
