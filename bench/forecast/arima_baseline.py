#!/usr/bin/env python3
"""statsforecast AutoARIMA baseline for the forecast study (run with the venv that has statsforecast).

Per (VM, resource) series and scored week W: AutoARIMA() (non-seasonal, season_length=1, statsforecast
defaults otherwise: stepwise Hyndman-Khandakar, AICc) is fitted ONCE on the last 2016 samples (rows)
before W; at every hourly origin the fitted model is applied with `forward` to the last 2016 rows up to
and including the origin row (state re-filtered on the observed data, parameters frozen), h = 12.
Saves mean, and the upper bounds of the 80 / 98 % intervals (= p90 / p99) and of 90 / 99 %.
  arima_baseline.py --data /tmp/fc-data/bitbrains-rnd --out DIR [--weeks 1376611200,1377216000]
"""
import argparse, os, sys, time, warnings
os.environ.setdefault('OMP_NUM_THREADS', '1'); os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fc_common import *
from statsforecast.models import AutoARIMA

ap = argparse.ArgumentParser()
ap.add_argument('--data', default='/tmp/fc-data/bitbrains-rnd'); ap.add_argument('--cache', default='/tmp/fc-data/grid.npz')
ap.add_argument('--out', required=True); ap.add_argument('--weeks', default=','.join(str(w) for _, w in REP_WEEKS))
ap.add_argument('--vms', default='', help='comma-separated VM ids; default: the documented subsample arima_subsample()')
o = ap.parse_args()
os.makedirs(o.out, exist_ok=True)
vms, t0, X = load_grid(o.data, o.cache)
sel = [list(vms).index(int(v)) for v in (o.vms.split(',') if o.vms else arima_subsample(vms))]
warnings.filterwarnings('ignore')
NO = 7 * 24
for j in sel:                       # VM-major order: a run cut short still covers every week and resource
    t_start = time.time()
    for W in map(int, o.weeks.split(',')):
        for r in RES:
            path = os.path.join(o.out, f'arima-{W}-{r}-{vms[j]}.npz')
            if os.path.exists(path): continue
            out = {k: np.full((NO, H), np.nan) for k in ('mean', 'hi80', 'hi90', 'hi98', 'hi99')}
            fit_s = fwd_s = 0.0; order = ''; failed = 0
            g, t, y, s = series_rows(X[r][j], t0, W)
            if s is None:
                np.savez(path, skipped=1); continue
            h = y[t < W][-WEEK:]
            a = time.time()
            try:
                m = AutoARIMA(season_length=1).fit(h)
            except Exception as e:
                np.savez(path, failed=1); continue
            fit_s = time.time() - a; order = str(tuple(int(v) for v in m.model_['arma']))
            a = time.time()
            for oi, i in enumerate(origin_rows(t, W)):
                if i < 1: continue
                yy = y[max(0, i + 1 - WEEK):i + 1]
                try:
                    f = m.forward(y=yy, h=H, level=[80, 90, 98, 99])
                except Exception:
                    continue
                out['mean'][oi] = f['mean']
                for L in (80, 90, 98, 99): out[f'hi{L}'][oi] = f[f'hi-{L}']
            fwd_s = time.time() - a
            np.savez(path, fit_s=fit_s, fwd_s=fwd_s, order=order, **out)
    print(f'vm {vms[j]}: {time.time() - t_start:.0f}s', flush=True)
