exec(open('/tmp/fc_x3.py').read().split('MEDS =')[0])
import itertools
def show(name, Pfun):
    out = []
    for r in RES:
        for _, W in VAL_WEEKS:
            b = res[(W, r)]; P = Pfun(b, r)
            for mm in (tr, un):
                o, n = total(b, P, mm); out.append(f'{o/n:.3f}')
    print(f'{name:40s} cpu', ' '.join(out[:4]), ' mem', ' '.join(out[4:]))
for L in (3, 6, 12, 24, 48, 96, 288):
    show(f'med{L}', lambda b, r: fill(b, f'med{L}'))
for combo in [('med6', 'med24'), ('med6', 'med48'), ('med12', 'med48'), ('med6', 'med288'), ('med6','med24','med288'), ('med12','med96','med288'),
              ('med3','med6','med12','med24','med48','med96','med288'), ('med48','med288'), ('med96','med288'), ('med24','med288'), ('med24','med96','med288')]:
    show('+'.join(combo), lambda b, r: np.mean([fill(b, c) for c in combo], 0))
    show('median:' + '+'.join(combo), lambda b, r: np.median([fill(b, c) for c in combo] + [b['F']['last']] * 0, 0))
