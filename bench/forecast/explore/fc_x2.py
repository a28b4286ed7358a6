import sys, pickle, numpy as np
sys.path.insert(0, '/work/wt-forecast/bench/forecast')
from fc_common import *
vms = np.load('/tmp/fc-data/grid.npz')['vms']
res = pickle.load(open('/tmp/fc-data/feat_val.pkl','rb'))
def med_score(b, P, mask):
    ours=[]; nv=[]
    for v in np.where(mask & np.isfinite(b['S']))[0]:
        sc = series_score(P[v], b['Y'][v], b['y'][v], b['S'][v])
        if sc: ours.append(sc[0]); nv.append(sc[1])
    return np.median(ours), np.median(nv)
def feats(b, names):
    last = b['F']['last']
    out = []
    for n in names:
        f = b['F'][n].copy(); f = np.where(np.isfinite(f), f, last)
        out.append((f - last) / b['S'][:, None, None])
    return np.stack(out, -1)
def lad(A, y, iters=60):
    w = np.linalg.lstsq(A, y, rcond=None)[0]
    for _ in range(iters):
        r = np.abs(y - A @ w); wt = 1 / np.maximum(r, 1e-4)
        w = np.linalg.lstsq(A * wt[:, None] ** .5, y * wt ** .5, rcond=None)[0]
    return w
def fit(bs, names, mask):
    Ws = []
    for k in range(H):
        As=[]; ys=[]
        for b in bs:
            Fm = feats(b, names)[mask][:, :, k]; last = b['F']['last'][mask][:, :, k]
            yt = (b['Y'][mask][:, :, k] - last) / b['S'][mask][:, None]
            ok = np.isfinite(yt) & np.isfinite(Fm).all(-1)
            As.append(Fm[ok]); ys.append(yt[ok])
        Ws.append(lad(np.concatenate(As), np.concatenate(ys)))
    return np.array(Ws)
def predict(b, names, Wk):
    Fm = feats(b, names)
    return b['F']['last'] + b['S'][:, None, None] * np.einsum('vokf,kf->vok', Fm, Wk)
tr = vm_set(vms, 'trained'); un = vm_set(vms, 'unseen')
SETS = {'cpu': [['med6'], ['med6','med12','med48'], ['med3','med6','med12','med24','med48','ew0.1','prof7med','sd1'],
                ['med3','med6','med12','med24','med48','med96','med288','ew0.1','ew0.05','mean12','prof7med','sn1','sd1','sdprof']],
        'mem': [['med288'], ['med12','med48','med288'], ['med3','med6','med12','med24','med48','med96','med288','ew0.05','prof7med'],
                ['med3','med6','med12','med24','med48','med96','med288','ew0.1','ew0.05','mean12','mean288','prof7med','sn1','sd1','sdprof']]}
for r in RES:
    for names in SETS[r]:
        for (Wa, Wb) in [(1375401600, 1376006400), (1376006400, 1375401600)]:
            m = tr & np.isfinite(res[(Wa, r)]['S'])
            Wk = fit([res[(Wa, r)]], names, m)
            b = res[(Wb, r)]; P = predict(b, names, Wk)
            out = []
            for mm in (tr, un):
                o, n = med_score(b, P, mm); out.append(f'{o:.3f}/{n:.3f}={o/n:.3f}')
            print(r, Wa, '->', Wb, len(names), ' '.join(out), np.round(Wk[[0, 5, 11]], 2).tolist() if len(names) <= 3 else '')
print('---- weighted LAD (each series weighted by 1/its naive scaled MAE) and direct median search')
def fitw(bs, names, mask, power=1.0):
    Ws = []
    for k in range(H):
        As=[]; ys=[]; ws=[]
        for b in bs:
            Fm = feats(b, names)[mask][:, :, k]; last = b['F']['last'][mask][:, :, k]
            yt = (b['Y'][mask][:, :, k] - last) / b['S'][mask][:, None]
            nv = np.nanmean(np.abs(yt), 1)  # naive scaled MAE per series at step k
            wt = np.repeat((1 / np.maximum(nv, 1e-3) ** power)[:, None], yt.shape[1], 1)
            ok = np.isfinite(yt) & np.isfinite(Fm).all(-1)
            As.append(Fm[ok]); ys.append(yt[ok]); ws.append(wt[ok])
        A = np.concatenate(As); y = np.concatenate(ys); sw = np.concatenate(ws)
        w = np.linalg.lstsq(A * sw[:, None], y * sw, rcond=None)[0]
        for _ in range(60):
            rr = np.abs(y - A @ w); wt = sw / np.maximum(rr, 1e-4)
            w = np.linalg.lstsq(A * wt[:, None] ** .5, y * wt ** .5, rcond=None)[0]
        Ws.append(w)
    return np.array(Ws)
for r in RES:
    for names in SETS[r]:
        for (Wa, Wb) in [(1375401600, 1376006400), (1376006400, 1375401600)]:
            m = tr & np.isfinite(res[(Wa, r)]['S'])
            Wk = fitw([res[(Wa, r)]], names, m)
            b = res[(Wb, r)]; P = predict(b, names, Wk)
            out = []
            for mm in (tr, un):
                o, n = med_score(b, P, mm); out.append(f'{o:.3f}/{n:.3f}={o/n:.3f}')
            print('W', r, Wa, '->', Wb, len(names), ' '.join(out), np.round(Wk[[0, 5, 11]], 2).tolist() if len(names) <= 3 else '')
