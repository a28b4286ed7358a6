import sys, numpy as np, warnings, pickle
warnings.filterwarnings('ignore')
sys.path.insert(0, '/work/wt-forecast/bench/forecast')
from fc_common import *
vms = np.load('/tmp/fc-data/grid.npz')['vms']
B = pickle.load(open('/tmp/fc-data/B.pkl', 'rb'))
V = len(vms); tr = vm_set(vms, 'trained'); un = vm_set(vms, 'unseen')
cs = list(range(1, 8)); hi = 1
vv = np.arange(V)[:, None, None]; oo = np.arange(168)[None, :, None]; kk = np.arange(H)[None, None, :]
def pq(b):
    A = b['A'][hi][cs]; j = np.array(cs)[np.argmin(A, 0)].transpose(1, 2, 0)   # (V,O,K)
    P = b['Mo'][j, vv, oo]; Sc = b['A'][hi][j, kk, vv, oo]
    return P, Sc
def ratios(b, mask):
    P, Sc = pq(b); m = mask & np.isfinite(b['S'])
    Z = (b['Y'][m] - P[m]); ok = np.isfinite(Z) & np.isfinite(b['y'][m])[:, :, None]
    return Z, Sc[m], ok
for floor in (0.0, 0.05, 0.1, 0.2):
  for (a, c) in [(0, 1), (1, 0)]:
    for r in RES:
        Z, Sc, ok = ratios(B[(a, r)], tr)
        S = B[(a, r)]['S'][tr & np.isfinite(B[(a, r)]['S'])][:, None, None]
        den = Sc + floor * S
        R = np.where(ok, Z / np.maximum(den, 1e-300), np.nan)
        q = {p: np.array([np.nanquantile(R[:, :, k][ok[:, :, k]], p) for k in range(H)]) for p in (0.9, 0.99)}
        out = []
        for mask in (tr, un):
            b = B[(c, r)]; P, Sc2 = pq(b); m = mask & np.isfinite(b['S'])
            ok2 = np.isfinite(b['Y'][m]) & np.isfinite(b['y'][m])[:, :, None]
            den2 = Sc2[m] + floor * b['S'][m][:, None, None]
            for p in (0.9, 0.99):
                hiq = P[m] + q[p][None, None, :] * den2
                out.append(f'{(b["Y"][m] <= hiq)[ok2].mean():.3f}')
        print(f'floor {floor} {r} fit w{a}->w{c}  q90 {q[0.9][[0,5,11]].round(2)} q99 {q[0.99][[0,5,11]].round(2)} cov tr p90/p99 {out[0]}/{out[1]} un {out[2]}/{out[3]}')
