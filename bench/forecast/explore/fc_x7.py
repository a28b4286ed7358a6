import sys, time, numpy as np, warnings, pickle
warnings.filterwarnings('ignore')
sys.path.insert(0, '/work/wt-forecast/bench/forecast')
from fc_common import *
d = np.load('/tmp/fc-data/grid.npz'); vms = d['vms']; t0 = int(d['t0']); X = {'cpu': d['cpu'], 'mem': d['mem']}
Tc, Yc, MM = pickle.load(open('/tmp/fc-data/mm.pkl', 'rb'))
OI, SNAP = pickle.load(open('/tmp/fc-data/snap.pkl', 'rb'))
V, L = Tc.shape; CANDS = [1, 3, 6, 12, 24, 48, 96, 288]; HLS = [36, 144, 288, 864]
WEEKS = VAL_WEEKS + REP_WEEKS
def week_data(wi, r):
    W = WEEKS[wi][1]; O = 168
    I = np.full((V, O), -1); S = np.full(V, np.nan)
    for v in range(V):
        g, t, y, s = series_rows(X[r][v], t0, W)
        if s is None or len(t) == 0: continue
        S[v] = s; I[v] = origin_rows(t, W)
    Ii = np.maximum(I, 0); vv = np.arange(V)[:, None]
    idx = Ii[:, :, None] + np.arange(1, H + 1)
    Y = np.where(idx < L, Yc[r][vv[:, :, None], np.minimum(idx, L - 1)], np.nan); Y[I < 0] = np.nan
    y = Yc[r][vv, Ii]
    Mo = MM[r][:, vv, Ii]                     # (C, V, O)
    A = SNAP[r][..., wi * 168:(wi + 1) * 168]  # (HL, C, K, V, O)
    return dict(S=S, Y=Y, y=y, Mo=Mo, A=A)
def total(b, P, mask):
    m = mask & np.isfinite(b['S'])
    ok = np.isfinite(b['Y'][m]) & np.isfinite(b['y'][m])[:, :, None]
    E = np.where(ok, np.abs(P[m] - b['Y'][m]), 0).sum((1, 2)) / ok.sum((1, 2)) / b['S'][m]
    N = np.where(ok, np.abs(b['y'][m][:, :, None] - b['Y'][m]), 0).sum((1, 2)) / ok.sum((1, 2)) / b['S'][m]
    return np.nanmedian(E), np.nanmedian(N)
tr = vm_set(vms, 'trained'); un = vm_set(vms, 'unseen')
B = {(wi, r): week_data(wi, r) for wi in range(4) for r in RES}
pickle.dump(B, open('/tmp/fc-data/B.pkl', 'wb'), protocol=4)
def show(name, fn, weeks=(0, 1)):
    out = []
    for r in RES:
        for wi in weeks:
            b = B[(wi, r)]; P = fn(b, r)
            for mm in (tr, un):
                o, n = total(b, P, mm); out.append(f'{o/n:.3f}')
    print(f'{name:34s} cpu', ' '.join(out[:4]), ' mem', ' '.join(out[4:]), flush=True)
for ci, c in enumerate(CANDS):
    show(f'med{c}', lambda b, r: np.repeat(b['Mo'][ci][:, :, None], H, 2))
vv = np.arange(V)[:, None, None]; oo = np.arange(168)[None, :, None]
for cs_name, cs in [('all', list(range(8))), ('no-last', list(range(1, 8))), ('3..288', [1, 3, 5, 7]), ('6,12,48,288', [2, 3, 5, 7])]:
    for hi, hl in enumerate(HLS):
        def perk(b, r):
            A = b['A'][hi][cs]                      # (C', K, V, O)
            j = np.array(cs)[np.argmin(A, 0)]       # (K, V, O)
            return b['Mo'][j.transpose(1, 2, 0), vv, oo]
        def pooled(b, r):
            A = b['A'][hi][cs].sum(1)               # (C', V, O)
            j = np.array(cs)[np.argmin(A, 0)]
            return np.repeat(b['Mo'][j, np.arange(V)[:, None], np.arange(168)[None]][:, :, None], H, 2)
        def invw(b, r):
            A = b['A'][hi][cs]                      # (C', K, V, O)
            w = 1 / np.maximum(A, 1e-12) ** 2; w /= w.sum(0)
            return np.einsum('ckvo,cvo->vok', w, b['Mo'][cs])
        show(f'sel {cs_name} hl{hl} per-k', perk)
        show(f'sel {cs_name} hl{hl} pooled', pooled)
        show(f'sel {cs_name} hl{hl} inv-err^2', invw)
