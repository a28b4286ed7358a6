#!/usr/bin/env python3
"""statsforecast AutoARIMA beside the replay's exported p50 on a family split of bench/risk/families.sh, at the
same origins and with the judge's metric (score_exports.py: per series the mean |p50 - actual| over steps 1..12,
scaled by the naive MAE of the last 2,016 samples before FROM; the median over series). AutoARIMA (non-seasonal,
statsforecast defaults) is fitted once per series on those 2,016 samples and applied with `forward` at each origin
to the last 2,016 samples up to it (parameters frozen), as bench/forecast/arima_baseline.py does on Bitbrains.

    .venv-peers/bin/python bench/forecast/autoarima_families.py STORE.sqlite FROM FORECASTS.csv

Needs statsforecast (pip install statsforecast into .venv-peers).
"""
import sys, csv, sqlite3, warnings, numpy as np
from collections import defaultdict
from statsforecast.models import AutoARIMA
warnings.filterwarnings('ignore')
db, start, fc_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
H = 12
c = sqlite3.connect(db)
fc = defaultdict(lambda: defaultdict(dict))
for r in csv.DictReader(open(fc_path)):
    if r['resource'] in ('cpu_cores', 'memory_bytes'):
        fc[(r['workload'], r['resource'])][int(float(r['timestamp']))][int(r['step'])] = float(r['p50'])
res = defaultdict(lambda: defaultdict(list))
for (w, rn), origins in sorted(fc.items()):
    rows = c.execute(f"select s.timestamp, s.{rn} from samples s join workloads x on x.id = s.workload_id where x.name = ? order by s.timestamp", (w,)).fetchall()
    t = np.array([a for a, _ in rows], float); y = np.array([np.nan if b is None else b for _, b in rows], float)
    h = y[(t < start) & np.isfinite(y)][-2016:]
    s = np.mean(np.abs(np.diff(h))) if len(h) > 2 else 0
    if not s > 1e-9 * max(1.0, float(np.max(np.abs(h))) if len(h) else 1.0): continue
    try:
        m = AutoARIMA().fit(h)
    except Exception as e:
        continue
    eo, ea, en = [], [], []
    for ts, st in origins.items():
        i = np.searchsorted(t, ts, side='right') - 1
        if i < 0 or not np.isfinite(y[i]): continue
        hist = y[:i + 1]; hist = hist[np.isfinite(hist)][-2016:]
        try:
            fa = m.forward(y=hist, h=H)['mean']
        except Exception:
            continue
        for k, p50 in st.items():
            if 1 <= k <= H and i + k < len(t) and np.isfinite(y[i + k]):
                eo.append(abs(p50 - y[i + k])); ea.append(abs(fa[k - 1] - y[i + k])); en.append(abs(y[i] - y[i + k]))
    if eo:
        res[rn]['ours'].append(np.mean(eo) / s); res[rn]['arima'].append(np.mean(ea) / s); res[rn]['naive'].append(np.mean(en) / s)
for rn, v in res.items():
    o, a, n = (float(np.median(v[k])) for k in ('ours', 'arima', 'naive'))
    print(f"{rn}: series {len(v['ours'])}  ours {o:.3f} ({o/n:.2f} x naive)  AutoARIMA {a:.3f} ({a/n:.2f} x naive)  naive {n:.3f}")
