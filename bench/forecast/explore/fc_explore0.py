import sys, numpy as np, time
sys.path.insert(0, '/work/wt-forecast/bench/policy')
from policy_study import load
t=time.time()
vms, t0, cpu, mem, lc, lm = load('/tmp/fc-data/bitbrains-rnd')
print(time.time()-t, vms[:5], len(vms), t0, cpu.shape)
np.savez('/tmp/fc-data/grid.npz', vms=vms, t0=t0, cpu=cpu, mem=mem)
fin = np.isfinite(cpu)
print('both-nan consistent', (np.isfinite(cpu)==np.isfinite(mem)).mean())
for W in (1375401600,1376006400,1376611200,1377216000):
    i0=(W-t0)//300
    print(W, i0, 'finite frac in week', fin[:, i0:i0+2016].mean(), 'vms fully missing', (~fin[:, i0:i0+2016]).all(1).sum())
print('last t', t0+300*(cpu.shape[1]-1))
