"""Study only (trend_variants.py): the adaptive-window median's per-step selection (first minimal
EW mean |k-step error|, half-life in samples) over the windows' medians plus trend candidates.
Vectorised over candidates; p50 only (no bands)."""
import numpy as np
class AWMT:
    """AWM p50 selection with extra trend candidates. Candidate c gives a vector over k."""
    def __init__(self, windows=(3, 6, 12, 24, 48, 96, 288), trends=(), half_life=864.0, H=12, damp=1.0):
        self.w = list(windows); self.tr = list(trends); self.H = H; self.damp = damp
        self.beta = 1.0 - 2.0 ** (-1.0 / half_life)
        self.buf = []; self.hist = []; self.n = 0
        self.nc = len(self.w) + len(self.tr)
        self.A = np.zeros((self.nc, H))
        self.maxw = max(self.w + [2 * m for m in self.tr] + [1])
    def cands(self):
        b = self.buf; out = []
        for w in self.w: out.append(np.full(self.H, np.median(b[-w:])))
        ks = np.arange(1, self.H + 1)
        for m in self.tr:
            if len(b) >= 2 * m:
                a = np.median(b[-m:]); p = np.median(b[-2 * m:-m]); slope = (a - p) / m
                if self.damp < 1: steps = np.array([sum(self.damp ** j for j in range(1, int(k + (m - 1) / 2) + 1)) for k in ks])
                else: steps = (m - 1) / 2 + ks
                out.append(a + slope * steps)
            else: out.append(np.full(self.H, np.median(b[-m:])))
        return np.array(out)
    def update(self, y):
        if self.n >= self.H:
            for k in range(1, self.H + 1):
                c = self.hist[-k]
                self.A[:, k - 1] += self.beta * (np.abs(c[:, k - 1] - y) - self.A[:, k - 1])
        self.buf.append(y)
        if len(self.buf) > self.maxw: self.buf.pop(0)
        self.hist.append(self.cands())
        if len(self.hist) > self.H: self.hist.pop(0)
        self.n += 1
    def forecast(self):
        c = self.hist[-1]
        idx = np.argmin(self.A, axis=0)   # first minimal
        return c[idx, np.arange(self.H)]
