#!/usr/bin/env python3
"""Tables of a bench/risk/holdout.sh run: risk, forecasts and decisions per split (score_exports.py's
figures in DIR/<week>-<split>/score.json) and predictive against vpa at vpa's default slack
(DIR/<week>-<split>/frontier.txt, `headroom-scorer frontier`'s sentence).

    python3 bench/risk/summarise.py /tmp/holdout
"""
import json, os, re, sys

d = sys.argv[1]
splits = sorted(s for s in os.listdir(d) if re.match(r'\d{4}-\d\d-\d\d-(trained|unseen)$', s))
print('| split | risk AUC | usage÷alloc | breach rate 1d | AUC not breaching | Brier skill | ECE |')
print('|---|---:|---:|---:|---:|---:|---:|')
scores = {s: json.load(open(os.path.join(d, s, 'score.json'))) for s in splits}
for s in splits:
    r = scores[s]['risk']
    print(f"| {s} | {r['auc']} | {r['auc_usage_over_allocation']} | {r['auc_breach_rate_1d']} | {r['auc_not_breaching_now']} | {r['brier_skill']} | {r['ece']} |")
print()
print('| split | CPU ours / naive (ratio) | memory ours / naive (ratio) |')
print('|---|---|---|')
for s in splits:
    f = scores[s].get('forecast', {})
    cells = []
    for res in ('cpu_cores', 'memory_bytes'):
        x = f.get(res)
        cells.append(f"{x['ours']} / {x['naive']} ({x['ours'] / x['naive']:.2f})" if x else '–')
    print(f"| {s} | {cells[0]} | {cells[1]} |")
print()
print('| split | policy | OOM samples (÷ vpa) | throttled core-min (÷ vpa) | slack core-h (÷ vpa) | slack GiB-h (÷ vpa) |')
print('|---|---|---:|---:|---:|---:|')
for s in splits:
    dec = scores[s]['decisions']; v = dec['vpa']
    def ratio(a, b): return f"{a / b:.2f}" if b else '–'
    for p in sorted(dec):
        x = dec[p]
        print(f"| {s} | {p} | {x['oom_samples']} ({ratio(x['oom_samples'], v['oom_samples'])}) | "
              f"{x['throttled_core_minutes']:.0f} ({ratio(x['throttled_core_minutes'], v['throttled_core_minutes'])}) | "
              f"{x['slack_core_hours']:.0f} ({ratio(x['slack_core_hours'], v['slack_core_hours'])}) | "
              f"{x['slack_gib_hours']:.0f} ({ratio(x['slack_gib_hours'], v['slack_gib_hours'])}) |")
print()
print('| split | predictive at vpa\'s default slack: OOM kills | throttled core-min | cost at CPU slack / memory slack |')
print('|---|---:|---:|---|')
for s in splits:
    path = os.path.join(d, s, 'frontier.txt')
    if not os.path.exists(path): continue
    for line in open(path):
        m = re.search(r"predictive has (.+?) of vpa's OOM kills and (.+?) of its throttled core-minutes, at (.+?) of its cost \((.+?) at", line)
        if m:
            print(f"| {s} | {m.group(1)} | {m.group(2)} | {m.group(3)} / {m.group(4)} |")
print()
print('| split | predictive at both of vpa\'s slacks at once / at vpa\'s cost (CPU knob, memory knob) | its slack core-h / GiB-h | OOM kills | throttled core-min | cost |')
print('|---|---|---|---:|---:|---:|')
for s in splits:
    path = os.path.join(d, s, 'frontier.txt')
    if not os.path.exists(path): continue
    for line in open(path):
        for m in re.finditer(r"at (both slacks at once|vpa's cost \(both slacks × [0-9.]+\)) \(CPU knob (.+?), memory knob (.+?); its slack (.+?) core-h, (.+?) GiB-h of vpa's\): "
                             r"(.+?) of the OOM kills, (.+?) of the throttled core-minutes, (.+?) of the cost", line):
            print(f"| {s} | {m.group(1)}: {m.group(2)}, {m.group(3)} | {m.group(4)} / {m.group(5)} | {m.group(6)} | {m.group(7)} | {m.group(8)} |")
