"""Part 5 of README.md: the few ticks where the Swift replay's exported learned risk and the Swift
trees applied to the Python features differ on VMs the scorer serves (store interval 300 s):
prints each VM's differing ticks, two feature rows, and the features within 1e-6 of a split
threshold of the Swift trees (a rounding-level difference decides the side there).
Paths as in the README's part 5 commands (run same_population.py first: it writes the rows cache).

  python bench/risk/part5_ticks.py
"""
import sys, os, csv, pickle
sys.argv = ['x']
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from same_population import *
W=1376006400
sw=SwiftRisk('/tmp/gap/models/risk/20261207T122132Z/risk.safetensors')
rows=pickle.load(open('/tmp/research-data/rows-gap-store-08-09.pkl','rb'))
for side, vmlist in (('unseen',(178,66)),('trained',(148,224,40))):
    ex={}
    for r in csv.DictReader(open(f'/tmp/gap/2013-08-09-{side}/scores.csv')):
        ex[(r['workload'],int(float(r['timestamp'])))]=float(r['risk'])
    vms,iv=store_vms('/tmp/gap/h.sqlite', list(vmlist))
    for vm in vmlist:
        X,y,now,_=stack_rows(rows,[(W,vm)],SWIFT); t=tick_times(vms[vm],W)
        p=sw(X); e=np.array([ex.get((f'bitbrains-{vm}',int(x)),np.nan) for x in t])
        bad=np.flatnonzero(np.abs(p-e)>1e-6)
        print(side, vm, 'bad', len(bad), 'first ts', [int(t[b]) for b in bad[:5]], 'idx', bad[:10].tolist())
        for b in bad[:2]:
            print('   py', round(p[b],4), 'swift', round(e[b],4))
            print('   ', {n: round(float(X[b,j]),5) for j,n in enumerate(SWIFT_NAMES)})
        # per-feature: which features are "near" a threshold: try perturbing each feature a bit and see if p matches e
        for b in bad[:3]:
            hits=[]
            for j,n in enumerate(SWIFT_NAMES):
                for val in np.unique(sw.thr[sw.f==j]):
                    if np.isfinite(X[b,j]) and abs(val-X[b,j])<=1e-6*max(1,abs(val)): hits.append((n,float(X[b,j]),float(val)))
            print('    features within 1e-6 of a threshold:', hits[:5])
