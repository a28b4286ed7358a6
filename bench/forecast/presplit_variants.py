#!/usr/bin/env python3
"""The adaptive-window median's p50 against naive on a family's development slice: each listed
workload's samples before UNTIL, forecast origins every 12 samples from sample 96, the judge's
metric (score_exports.py: median over series of the 1-12-step MAE scaled by the series' mean
|diff|, ours over naive's), for a few settings of the median (bench/forecast/awm.py).

    python3 bench/forecast/presplit_variants.py STORE.sqlite NAMES_FILE UNTIL cpu_cores|memory_bytes

NAMES_FILE: one line of comma-separated workload names (the trained half of families.sh).
"""
import sys, numpy as np
sys.path.insert(0, __file__.rsplit('/', 1)[0])
from awm import AWM
from fc_common import presplit_series
db, names_file, until, res = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
variants={'hl864':dict(half_life=864.0), 'hl288':dict(half_life=288.0), 'hl144':dict(half_life=144.0), 'hl48':dict(half_life=48.0),
          'w3-96':dict(half_life=864.0, windows=(3,6,12,24,48,96)), 'w1-288':dict(half_life=864.0, windows=(1,3,6,12,24,48,96,288))}
res_o={v:[] for v in variants}; res_n=[]
for w, y, s in presplit_series(db, names_file, until, res, 120):
    origins=range(96,len(y)-1,12)
    n=[abs(y[i]-y[i+k]) for i in origins for k in range(1,13) if i+k<len(y)]
    res_n.append(np.mean(n)/s)
    for v,kw in variants.items():
        f=AWM(eta=0.1,horizon=12,**kw); e=[]
        for t in range(len(y)):
            f.update(float(y[t]))
            if t in origins:
                p50,_=f.forecast()
                e+= [abs(p50[k-1]-y[t+k]) for k in range(1,13) if t+k<len(y)]
        res_o[v].append(np.mean(e)/s)
mn=np.median(res_n)
print(res, len(res_n), 'naive', round(mn,3), ' '.join(f"{v}={np.median(o)/mn:.3f}" for v,o in res_o.items()))
