#!/usr/bin/env python3
"""OOM samples and memory slack by VM size class, report fortnight 08-16..08-29, mem-risk-qz-win2h (λ = 0.00062,
report table) vs vpa(0.15); output in results/bysize-censored.txt."""
import sys, numpy as np
import os; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import policy_study as ps, mem_study as m
vms, t0, cpu, mem, lc, lm = m.load_cached('/tmp/policy-data/bitbrains-rnd')
feat = dict(np.load('/tmp/policy-data/memfeat.npz'))
V, T = mem.shape; start = int((m.T_ACT - t0) // 300)
S, _ = m.learn_table(feat, mem, t0, m.CUTOFF['report'], m.POLICIES['mem-risk-qz-win2h'][2]['spec'], 6)
A, chg = m.replay_mem(m.MemRisk(V, [0.00062], T, S, m.POLICIES['mem-risk-qz-win2h'][2]['spec'], dec_win=24), mem, lm, start)
Av, Cv, chv = ps.replay(ps.POLICIES['vpa'][0], [0.15], cpu, mem, lc, lm, start, 6, 0.10, True)
i0 = int((1376611200 - t0) // 300); i1 = i0 + 14 * 288
mm = mem[:, i0:i1]; fm = np.isfinite(mm)
peak = np.nanmax(mm, axis=1)
cls = np.digitize(np.log2(peak / 2**30), [0, 2, 4])
for name, AA in (('mem-risk-qz-win2h', A), ('vpa', Cv)):
    a = AA[:, i0:i1].astype(float)
    oom = (fm & (mm > a)).sum(1); sl = np.where(fm, np.maximum(0, a - mm), 0).sum(1) / 2**30 / 12
    print(name, 'OOM samples / slack GiB-h by VM peak class (08-16..08-29):')
    for c, lab in enumerate(['<1 GiB', '1-4 GiB', '4-16 GiB', '>=16 GiB']):
        s = cls == c
        print(f'  {lab:9s} VMs {s.sum():3d}  OOM {oom[s].sum():5d}  VMs with OOM {(oom[s] > 0).sum():3d}  slack GiB-h {sl[s].sum():10.0f}')
