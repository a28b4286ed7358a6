#!/usr/bin/env python3
"""Post-processing of policy_study.py --json output.

  python3 analyse.py RESULT.json [--ref vpa --ref-knob 0.15]

1. Frontier comparison on every split: each policy's throttled core-minutes interpolated (linearly,
   between neighbouring knob values) at the reference's CPU slack, its OOM samples at the reference's
   memory slack, and the cost of an allocation with those two slacks.
2. Knob choice on the tune weeks only (08-02 + 08-09, all VMs): the knob value of each policy whose CPU
   slack (resp. memory slack) equals the reference's; printed so a final replay can use them."""
import argparse, json
import numpy as np

PRICE_CORE_H, PRICE_GIB_H = 0.033174, 0.004446


def interp(pts, xk, yk, x):
    p = sorted((q[xk], q[yk]) for q in pts)
    xs = np.array([a for a, _ in p]); ys = np.array([b for _, b in p])
    if x < xs[0] - 1e-9 or x > xs[-1] + 1e-9:
        return None
    return float(np.interp(x, xs, ys))


def knob_value(k, key):
    """knobs are numbers, or '(cpu knob, memory knob)' pairs"""
    if k.startswith('('):
        c, m = (float(x) for x in k.strip('()').split(','))
        return c if key == 'slack_core_hours' else m
    return float(k)


def knob_for(res, splits, key, target):
    """knob value (linear in the knob) whose summed slack over `splits` equals target; None if outside."""
    knobs = sorted(res[splits[0]], key=lambda k: knob_value(k, key))
    ys = [sum(res[s][k][key] for s in splits) for k in knobs]
    xs = [knob_value(k, key) for k in knobs]
    order = np.argsort(ys)
    ys, xs = np.array(ys)[order], np.array(xs)[order]
    if target < ys[0] or target > ys[-1]:
        return None
    return float(np.interp(target, ys, xs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('json'); ap.add_argument('--ref', default='vpa'); ap.add_argument('--ref-knob', default='0.15')
    o = ap.parse_args()
    R = json.load(open(o.json))
    ref = R[o.ref]
    splits = sorted(ref)
    print(f'## Frontiers at the slack of {o.ref}({o.ref_knob}), per split\n')
    print('| split | policy | throttled core-min (÷ ref) | OOM samples (÷ ref) | cost $ at both slacks (÷ ref) |')
    print('|---|---|---|---|---|')
    for sp in splits:
        r0 = ref[sp][o.ref_knob]
        for name, r in R.items():
            pts = list(r[sp].values())
            th = interp(pts, 'slack_core_hours', 'throttled_core_minutes', r0['slack_core_hours'])
            oo = interp(pts, 'slack_gib_hours', 'oom_samples', r0['slack_gib_hours'])
            ach = interp(pts, 'slack_core_hours', 'alloc_core_hours', r0['slack_core_hours'])
            agh = interp(pts, 'slack_gib_hours', 'alloc_gib_hours', r0['slack_gib_hours'])
            co = None if ach is None or agh is None else ach * PRICE_CORE_H + agh * PRICE_GIB_H
            c0 = r0['alloc_core_hours'] * PRICE_CORE_H + r0['alloc_gib_hours'] * PRICE_GIB_H
            f = lambda x, y: 'out of range' if x is None else f'{x:.0f} ({x / max(y, 1e-9):.2f})'
            print(f'| {sp} | {name} | {f(th, r0["throttled_core_minutes"])} | {f(oo, r0["oom_samples"])} | {f(co, c0)} |')
    print(f'\n## At the allocation (cost) of {o.ref}({o.ref_knob}): throttling at equal allocated core-hours, OOM at equal GiB-hours\n')
    print('| split | policy | throttled core-min (÷ ref) | OOM samples (÷ ref) |')
    print('|---|---|---|---|')
    for sp in splits:
        r0 = ref[sp][o.ref_knob]
        for name, r in R.items():
            pts = list(r[sp].values())
            th = interp(pts, 'alloc_core_hours', 'throttled_core_minutes', r0['alloc_core_hours'])
            oo = interp(pts, 'alloc_gib_hours', 'oom_samples', r0['alloc_gib_hours'])
            f = lambda x, y: 'out of range' if x is None else f'{x:.0f} ({x / max(y, 1e-9):.2f})'
            print(f'| {sp} | {name} | {f(th, r0["throttled_core_minutes"])} | {f(oo, r0["oom_samples"])} |')
    tune = [s for s in splits if s.split('/')[0] in ('2013-08-02', '2013-08-09') and s.endswith('/all')]
    print(f'\n## Knob values matching {o.ref}({o.ref_knob}) slack on the tune weeks {tune}\n')
    tc = sum(ref[s][o.ref_knob]['slack_core_hours'] for s in tune)
    tg = sum(ref[s][o.ref_knob]['slack_gib_hours'] for s in tune)
    for name, r in R.items():
        print(f'{name}: cpu knob {knob_for(r, tune, "slack_core_hours", tc)}, memory knob {knob_for(r, tune, "slack_gib_hours", tg)}')


if __name__ == '__main__':
    main()
