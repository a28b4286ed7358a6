#!/usr/bin/env python3
"""Render results/results.json (forecast_study.py) as the markdown tables of README.md."""
import json, sys
r = json.load(open(sys.argv[1] if len(sys.argv) > 1 else 'results/results.json'))
f = lambda x: '–' if x is None else (f'{x:.3f}' if isinstance(x, float) else str(x))
print('### Reported weeks (scored once)\n')
print('| week | res | VMs | series | **AWM p50** | naive | ratio (≤ 0.85?) | seasonal naive (1 d) | fixed median | cov p90 | cov p99 | cov p90 / p99 monotone |')
print('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
for x in r['report']:
    print(f"| {x['week']} | {x['resource']} | {x['vms']} | {x['series']} | **{f(x['ours'])}** | {f(x['naive'])} | {f(x['ratio'])} {'✓' if x['target_met'] else '✗'} | "
          f"{f(x['seasonal_naive'])} | {f(x['fixed_median'])} | {f(x['cov_p90'])} | {f(x['cov_p99'])} | {f(x.get('cov_p90_monotone'))} / {f(x.get('cov_p99_monotone'))} |")
if any('arima' in x for x in r['report']):
    print('\n### Against AutoARIMA (statsforecast, season_length=1) on the AutoARIMA subsample\n')
    print('| week | res | VMs | series | **AWM p50** | AutoARIMA | naive | AWM/naive | ARIMA/naive | AWM ≤ ARIMA? | AWM cov p90 / p99 | ARIMA cov p90 / p99 (upper 80 % / 98 % bounds) |')
    print('|---|---|---|---:|---:|---:|---:|---:|---:|:-:|---:|---:|')
    for x in r['report']:
        if 'arima' not in x: continue
        print(f"| {x['week']} | {x['resource']} | {x['vms']} | {x['arima_series']} | **{f(x['ours_on_arima_subsample'])}** | {f(x['arima'])} | {f(x['naive_on_arima_subsample'])} | "
              f"{f(x['ours_on_arima_subsample'] / x['naive_on_arima_subsample'])} | {f(x['arima_ratio'])} | {'✓' if x['ours_on_arima_subsample'] <= x['arima'] else '✗'} | "
              f"{f(x['ours_cov_p90_on_subsample'])} / {f(x['ours_cov_p99_on_subsample'])} | {f(x['arima_cov_p90'])} / {f(x['arima_cov_p99'])} |")
print('\n### Validation (weeks 2013-08-02, 2013-08-09, trained VMs only): p50 ratio to naive\n')
g = r['validation']['p50_grid']; cols = [c for c in next(iter(g.values())) if c != 'mean']
print('| config | ' + ' | '.join(cols) + ' | mean |'); print('|---|' + '---:|' * (len(cols) + 1))
for k, v in g.items(): print(f'| {k} | ' + ' | '.join(f(v[c]) for c in cols) + f" | {f(v['mean'])} |")
print('\n### Validation: pooled coverage by quantile-tracking step eta (trained VMs)\n')
q = r['validation']['quantile_grid']; cols = [c for c in next(iter(q.values())) if c != 'mean_rel_dev']
print('| eta | ' + ' | '.join(cols) + ' | mean abs dev / (1 - tau) |'); print('|---|' + '---:|' * (len(cols) + 1))
for k, v in q.items(): print(f'| {k} | ' + ' | '.join(f(v[c]) for c in cols) + f" | {f(v['mean_rel_dev'])} |")
print('\nchosen:', json.dumps(r['chosen']))
