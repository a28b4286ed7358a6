#!/usr/bin/env python3
# Why the scorer refreshes the naive member every 1,008 steps (DESIGN.md): the naive member
# scored on the demo's held-out week with its change quantiles refreshed every 288 vs 1,008
# steps (and every step, on a third of the origins). Usage: python3 bench/scorer/naive_cadence.py
# [STORE] (default demo/headroom.sqlite, what scripts/demo.sh makes; needs numpy). ~2 minutes.
# Naive member (last value + empirical h-step change quantiles over the trailing 2016 steps)
# on the held-out week 2013-08-16..23 of the bitbrains workloads: mean pinball loss (scaled by
# each series' mean abs value) for spread refresh cadences 1 (exact), 288, 1008.
import sqlite3, sys
import numpy as np
db = sqlite3.connect(sys.argv[1] if len(sys.argv) > 1 else 'demo/headroom.sqlite')
res = ['cpu_cores','memory_bytes','disk_read_bytes_per_second']
start, end = 1376611200, 1376611200 + 7*86400
levels = np.array([0.5,0.9,0.99]); H = 12; W = 2016
ids = [r[0] for r in db.execute("select id from workloads where name like 'bitbrains-%'")]
def spread(y):
    out = np.zeros((H, 3))
    for h in range(1, H+1):
        c = y[h:] - y[:-h]; c = c[np.isfinite(c)]
        out[h-1] = np.quantile(c, levels) if len(c) else 0
    return out
tot = {1:[],288:[],1008:[]}
for wid in ids:
    rows = np.array(db.execute(f"select timestamp,{','.join(res)} from samples where workload_id=? and timestamp < ? order by timestamp", (wid, end+H*300)).fetchall(), dtype=float)
    if len(rows) < 3000: continue
    ts = rows[:,0]; n = int(round((ts[-1]-ts[0])/300))+1; grid = ts[0] + 300*np.arange(n)
    idx = np.round((ts-ts[0])/300).astype(int); Y = np.full((len(grid), len(res)), np.nan); Y[idx] = rows[:,1:]
    origins = [t for t in range(len(grid)) if start <= grid[t] < end and t + H < len(grid)]
    for r in range(len(res)):
        y = Y[:, r]; scale = np.nanmean(np.abs(y)) or 1
        for cad in tot:
            cached, last_refresh = None, None
            loss = []
            for t in origins[::3 if cad == 1 else 1]:
                if cached is None or t - last_refresh >= cad:
                    cached = spread(y[max(0, t-W+1):t+1]); last_refresh = t
                if not np.isfinite(y[t]): continue
                q = y[t] + cached  # H x 3
                a = y[t+1:t+H+1][:, None]
                u = a - q
                l = np.where(u > 0, levels*u, (levels-1)*u)
                loss.append(np.nanmean(l)/scale)
            tot[cad].append(np.nanmean(loss))
for cad, v in tot.items(): print(f"refresh every {cad:5d} steps: mean scaled pinball {np.mean(v):.5f} over {len(v)} series")
