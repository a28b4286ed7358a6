import sys, time, numpy as np, warnings, pickle
warnings.filterwarnings('ignore')
from numpy.lib.stride_tricks import sliding_window_view as swv
sys.path.insert(0, '/work/wt-forecast/bench/forecast')
from fc_common import *
vms, t0, X = load_grid('/tmp/fc-data/bitbrains-rnd', '/tmp/fc-data/grid.npz')
V = len(vms)
rows = [np.where(np.isfinite(X['cpu'][v]))[0] for v in range(V)]
L = max(len(r) for r in rows)
Tc = np.full((V, L), np.inf); Yc = {r: np.full((V, L), np.nan) for r in RES}
for v in range(V):
    n = len(rows[v]); Tc[v, :n] = t0 + STEP * rows[v]
    for r in RES: Yc[r][v, :n] = X[r][v, rows[v]]
CANDS = [1, 3, 6, 12, 24, 48, 96, 288]
def rollmed(Y, w):
    M = np.full_like(Y, np.nan)
    if w == 1: return Y.copy()
    for a in range(0, Y.shape[0], 10):
        M[a:a + 10, w - 1:] = np.median(swv(Y[a:a + 10], w, axis=1), -1)
    for i in range(w - 1):
        M[:, i] = np.median(Y[:, :i + 1], 1)
    return M
t = time.time()
MM = {r: np.stack([rollmed(Yc[r], w) for w in CANDS]) for r in RES}   # (C, V, L)
print('rollmed', time.time() - t)
pickle.dump((Tc, Yc, MM), open('/tmp/fc-data/mm.pkl', 'wb'), protocol=4)
