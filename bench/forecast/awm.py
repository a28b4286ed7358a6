#!/usr/bin/env python3
"""Reference (scalar, per-sample, pure Python) implementation of the adaptive-window median forecaster (AWM) --
the spec the Swift port must match. forecast_study.py runs the same algorithm vectorised over VMs (awm_full);
`python3 awm.py --golden` prints the golden case of README.md, `--golden-long` a 1,000-sample one, `--check` compares this code with awm_full."""
import json, math, sys


class AWM:
    def __init__(self, windows=(3, 6, 12, 24, 48, 96, 288), half_life=144.0, eta=0.02,
                 taus=(0.90, 0.99), m_init=(1.5, 4.0), horizon=12, unbias=True):
        self.w = list(windows); self.H = horizon; self.taus = list(taus); self.eta = eta
        self.beta = 1.0 - 2.0 ** (-1.0 / half_life)
        self.buf = []                                               # last max(w) samples
        self.A = [[0.0] * horizon for _ in self.w]                  # EW mean |k-step error| per candidate, step
        self.m = [[mi] * horizon for mi in m_init]                  # quantile multipliers per tau, step
        self.med_hist = []                                          # last H+... candidate medians (issued p50s)
        self.q_hist = []                                            # last H issued quantiles [tau][k]
        self.n = 0
        # The band divides A by 1 - (1 - beta)^u after u updates (the weight A still gives its
        # start at 0), kept as a running product; unbias=False is the study's original (A as is).
        self.unbias = unbias; self.start_weight = 1.0

    @staticmethod
    def median(xs):
        s = sorted(xs); n = len(s)
        return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])

    def update(self, y):
        """Feed the next sample (finite value). Skip missing samples entirely (do not call)."""
        t = self.n
        if t >= self.H:
            self.start_weight *= 1.0 - self.beta
            for k in range(1, self.H + 1):
                meds = self.med_hist[-k]                            # medians computed k samples ago
                for c in range(len(self.w)):
                    self.A[c][k - 1] += self.beta * (abs(meds[c] - y) - self.A[c][k - 1])
                qs = self.q_hist[-k]
                for ti, tau in enumerate(self.taus):
                    miss = 1.0 if y > qs[ti][k - 1] else 0.0
                    self.m[ti][k - 1] += self.eta * (miss - (1.0 - tau))
        self.buf.append(y)
        if len(self.buf) > max(self.w): self.buf.pop(0)
        self.med_hist.append([self.median(self.buf[-w:]) for w in self.w])
        if len(self.med_hist) > self.H: self.med_hist.pop(0)
        self.n += 1
        p50, q = self.forecast()
        self.q_hist.append(q)
        if len(self.q_hist) > self.H: self.q_hist.pop(0)

    def forecast(self):
        """(p50[k], [p_tau[k] for tau]) for k = 1..H from the state after the last update."""
        meds = self.med_hist[-1]
        f = (1.0 / (1.0 - self.start_weight) if self.start_weight < 1 else 0.0) if self.unbias else 1.0
        p50 = []; q = [[] for _ in self.taus]
        for k in range(self.H):
            c = min(range(len(self.w)), key=lambda c: (self.A[c][k], c))   # first minimal (smallest window)
            p50.append(meds[c])
            for ti in range(len(self.taus)):
                q[ti].append(meds[c] + self.m[ti][k] * (self.A[c][k] * f))
        return p50, q


def golden_input():
    """30 values: a noisy level with a step and a spike (exact decimals)."""
    base = [1.0, 1.2, 0.9, 1.1, 1.0, 1.3, 0.8, 1.0, 1.2, 1.1, 0.9, 1.0, 3.5, 1.1, 1.0,
            1.2, 0.9, 1.1, 2.0, 2.1, 1.9, 2.2, 2.0, 1.8, 2.1, 2.0, 2.3, 1.9, 2.0, 2.1]
    return base


def long_input(n=1000):
    """n values with many ties and level shifts, so every window (288 too) fills and its
    leaving value is often equal to others (exact in binary after the division by 10)."""
    return [float((i * 7919 + (i // 37) * 13) % 41 + 10 * ((i // 250) % 3)) / 10 for i in range(n)]


if __name__ == '__main__':
    cfg = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    if sys.argv[1:2] == ['--golden']:
        f = AWM(**cfg)
        for y in golden_input(): f.update(y)
        p50, (q90, q99) = f.forecast()
        print('| k | p50 | p90 | p99 |\n|---:|---:|---:|---:|')
        for k in range(12):
            print(f'| {k + 1} | {p50[k]:.6f} | {q90[k]:.6f} | {q99[k]:.6f} |')
    if sys.argv[1:2] == ['--golden-long']:
        f = AWM(**cfg)
        for y in long_input(): f.update(y)
        p50, (q90, q99) = f.forecast()
        for k in range(12):
            print(f'({p50[k]:.9f}, {q90[k]:.9f}, {q99[k]:.9f}),')
    if sys.argv[1:2] == ['--check']:
        # compare this scalar reference with forecast_study.awm_full on real series (the first origin of week 08-02)
        import numpy as np, forecast_study as fs
        from fc_common import load_grid, WEEK
        vms, t0, X = load_grid('/tmp/fc-data/bitbrains-rnd', '/tmp/fc-data/grid.npz')
        sel = [0, 5, 17]
        Xs = {r: X[r][sel] for r in X}
        T, Y = fs.rows_matrix(Xs, t0); OI = fs.origin_index(T)
        c = {'windows': (3, 6, 12, 24, 48, 96, 288), 'half_life': 144.0, 'eta': 0.02}; c.update(cfg)
        cs = [fs.CANDS.index(w) for w in c['windows']]
        worst = 0.0
        for r in ('cpu', 'mem'):
            M = fs.rolling_medians(Y[r])
            P50, Q = fs.awm_full(M, Y[r], OI, c['half_life'], cs, [c['eta']])
            for v in range(len(sel)):
                rows = np.where(OI[v] >= 0)[0][:3]            # first three origins of week 08-02
                f = AWM(**c, unbias=False)   # the study's vectorised code predates the division
                for i in range(rows[-1] + 1):
                    f.update(float(Y[r][v, i]))
                    if i in rows:
                        p50, (q90, q99) = f.forecast(); o = OI[v, i]
                        for a, b in ((p50, P50[v, o]), (q90, Q[0.90][0, v, o]), (q99, Q[0.99][0, v, o])):
                            worst = max(worst, float(np.max(np.abs(np.array(a) - b) / np.maximum(1e-12, np.abs(b)))))
        print('max relative difference scalar reference vs vectorised:', worst)
