#!/usr/bin/env python3
"""Predictive's frontier read at reactive's default point, per split of a bench/risk/holdout.sh run:
its throttled core-minutes at reactive's CPU slack and its OOM kills at reactive's memory slack
(linear interpolation along predictive's swept knobs in frontier.txt; reactive's figures from
score.json, the same units on 5-minute data). None: reactive's slack lies outside predictive's
swept range.

    python3 bench/risk/vs_reactive.py HOLDOUT_DIR [HOLDOUT_DIR ...]
"""
import glob, json, sys

def interp(curve, x):
    curve = sorted(curve)
    for (x0, y0), (x1, y1) in zip(curve, curve[1:]):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y0
    return None

for root in sys.argv[1:]:
    for d in sorted(glob.glob(root + '/2013-*')):
        r = json.load(open(d + '/score.json'))['decisions']['reactive']
        cpu, mem = [], []
        for line in open(d + '/frontier.txt'):
            f = line.split()
            if f and f[0] == 'predictive':
                cpu.append((float(f[4]), float(f[3]))); mem.append((float(f[5]), float(f[2])))
        t = interp(cpu, r['slack_core_hours']); o = interp(mem, r['slack_gib_hours'])
        share = lambda v, of: 'outside' if v is None else f"{v:.0f} ({v / of * 100:.0f} %)"
        print(f"{d}: reactive 1.2 throttles {r['throttled_core_minutes']:.0f} at {r['slack_core_hours']:.0f} core-h, predictive there "
              f"{share(t, r['throttled_core_minutes'])}; reactive {r['oom_samples']} OOM kills at {r['slack_gib_hours']:.0f} GiB-h, "
              f"predictive there {share(o, r['oom_samples'])}")
