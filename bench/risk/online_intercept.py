#!/usr/bin/env python3
# A study, not ported (2026-12-08): what a global online intercept shift of the served risk would
# do under a base-rate shift between training and serving (Google 2011: 12 % positive in training,
# 5 % scored). Each hour, b is set so that the mean of sigmoid(logit(risk) + b) over the ticks whose
# outcome has matured within the last WINDOW equals their breach rate (Newton, |b| <= 4, at least 200
# ticks); labels as score_exports.py. Usage: online_intercept.py STORE FROM SPLIT_DIR [STEP]
import sys, os, csv, numpy as np, sqlite3
sys.path.insert(0, os.environ.get('SHARED_EVAL', os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/eval')))
import score_exports as se
db, start, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
step = int(sys.argv[4]) if len(sys.argv) > 4 else 300
H = 12
c = sqlite3.connect(db)
al = se.load_allocs(os.path.join(d, 'alloc-static.csv'))
risk = {}
for r in csv.DictReader(open(os.path.join(d, 'scores.csv'))):
    risk.setdefault(r['workload'], {})[int(float(r['timestamp']))] = float(r['risk'])
T, P, Y, M = [], [], [], []
for w in sorted(al):
    t, cpu, mem = se.series(c, w)
    A = np.array([al[w].get(int(x), (np.nan, np.nan)) for x in t])
    with np.errstate(divide='ignore', invalid='ignore'):
        over = (np.nan_to_num(cpu) > A[:, 0]) | (np.nan_to_num(mem) > A[:, 1])
        util = np.fmax(np.nan_to_num(cpu) / A[:, 0], np.nan_to_num(mem) / A[:, 1])
    cum = np.concatenate([[0], np.cumsum(over)])
    for i, ts in enumerate(t):
        if ts < start or int(ts) not in risk.get(w, {}) or not np.isfinite(util[i]): continue
        j = np.searchsorted(t, ts + H * step, side='right')
        if j <= i + 1: continue
        T.append(ts); P.append(risk[w][int(ts)]); Y.append(cum[j] - cum[i + 1] > 0); M.append(t[j - 1])
T, P, Y, M = map(np.array, (T, P, Y, M)); Y = Y.astype(int)
o = np.argsort(T, kind='stable'); T, P, Y, M = T[o], P[o], Y[o], M[o]
L = np.log(np.clip(P, 1e-6, 1 - 1e-6) / (1 - np.clip(P, 1e-6, 1 - 1e-6)))
def metrics(p):
    br = ((p - Y) ** 2).mean(); bref = ((Y.mean() - Y) ** 2).mean()
    return f"AUC {se.auc(p, Y):.3f} Brier skill {1 - br / bref:.3f} ECE {se.ece(p, Y):.3f} mean p {p.mean():.3f}"
print('ticks', len(P), 'rate', round(Y.mean(), 3))
print('served      ', metrics(P))
for window in [86400, 6 * 3600]:
    b = 0.0; out = np.empty_like(P); last_hour = None
    for k in range(len(T)):
        hour = T[k] // 3600
        if hour != last_hour:
            last_hour = hour
            m = (M < T[k]) & (M >= T[k] - window)   # matured outcomes of the window
            if m.sum() >= 200:
                for _ in range(20):   # Newton on b: mean sigmoid(L + b) = mean y
                    q = 1 / (1 + np.exp(-(L[m] + b)))
                    g = q.mean() - Y[m].mean(); h = (q * (1 - q)).mean()
                    if h < 1e-9: break
                    b = float(np.clip(b - g / h, -4, 4))
                    if abs(g) < 1e-6: break
        out[k] = 1 / (1 + np.exp(-(L[k] + b)))
    print(f'online {window // 3600:3d} h', metrics(out))
