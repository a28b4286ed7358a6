exec(open('/tmp/fc_feat.py').read())
ident = lambda a: a
t=time.time()
res = {}
for wn, W in VAL_WEEKS:
    for r in RES:
        res[(W, r)] = build(W, r, ident)
print('built', time.time()-t)
import pickle; pickle.dump(res, open('/tmp/fc-data/feat_val.pkl','wb'))
def med_score(b, P, mask):
    ours=[]; nv=[]
    for v in np.where(mask & np.isfinite(b['S']))[0]:
        sc = series_score(P[v], b['Y'][v], b['y'][v], b['S'][v])
        if sc: ours.append(sc[0]); nv.append(sc[1])
    return np.median(ours), np.median(nv), len(ours)
for (W, r), b in res.items():
    for m in ('trained', 'unseen'):
        mask = vm_set(vms, m)
        line = []
        for f in b['F']:
            o, n, c = med_score(b, b['F'][f], mask)
            line.append(f'{f}:{o/n:.3f}')
        print(W, r, m, c, 'naive', round(n,3), ' '.join(line))
