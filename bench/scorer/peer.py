#!/usr/bin/env python3
"""Python peer of the scorer's per-tick LSTM cost: what a Python scoring service would pay.

Our scorer keeps one `LSTMOnlineState` per workload and advances the hidden state ONE step per
sample (Sources/Forecast/LSTM/LSTMOnlineState.swift): one sgemv and an H-wide cell update per
tick, then the head. A typical Python service instead keeps the last `windowSteps` feature rows
and recomputes the whole LSTM over them on every tick. This program measures that, on OUR model
file, with the two usual Python runtimes, single thread, batch 1:

  - PyTorch: nn.LSTM(F, H, batch_first=True) + nn.Linear(H, O) + the monotone quantile head
    (q_0 = y_0, q_k = q_{k-1} + softplus(y_k) per (step, resource) group) + with
    `residualToLastValue` every quantile of resource r shifted by the window's last input
    feature r; torch.set_num_threads(1), torch.inference_mode().
  - ONNX Runtime: the same module exported with torch.onnx.export (TorchScript exporter, to a
    temporary file), InferenceSession with intra_op_num_threads=1, inter_op_num_threads=1,
    ORT_SEQUENTIAL, all graph optimisations.

With --stateful, also for comparison (not the peer itself): PyTorch carrying (h, c) per
workload and running ONE LSTM step + head per tick, our scorer's algorithm in Python; it is
checked to match the window forecast when stepped from zero through the same window.

One tick = slide the [window x F] float32 feature window by one row (a new random but plausible
feature row, pre-generated so the generator is not timed), run the forecast at batch 1 and take
the outputs as a NumPy array. Each tick is timed with time.perf_counter_ns after --warmup
untimed ticks; reported: median, p99 (nearest rank) and mean µs per tick, ticks/s (ticks over
the wall time of the timed loop) and ticks per CPU second (time.process_time, robust when
other processes compete for the cores).

Model file: our safetensors file (`headroom-trainer train` writes models/lstm/<version>/...,
or any file with an `LSTMModel` encoded by LSTMModel+TensorCodable.swift): tensors
<prefix>lstm.weight_ih_l0 [4H, F], <prefix>lstm.weight_hh_l0 [4H, H], <prefix>lstm.bias_ih_l0,
<prefix>lstm.bias_hh_l0 [4H], <prefix>head.weight [O, H], <prefix>head.bias [O] (F32, PyTorch
layout) and metadata <prefix>spec (the LSTMSpec as JSON). The prefix (the trainer uses
"lstm.model") is found from the tensor names. Headroom's `__metadata__["sha256"]` (SHA-256 of
the data section) is verified when present. Output order of the forecast: index
((step * resources + resource) * Q + k), scaled units -- the order of
`LSTMModel.predict(window:).values`.

Cross-check: a fixed window (seeded, or read from --check-window FILE) is forecast by both
runtimes; they must agree to --peer-tolerance (1e-5, absolute). If the file also holds
"expected" (our `LSTMModel.predict(window:)` values, flat, in the order above), both must agree
with it to --tolerance (1e-4, absolute). The window and all forecasts are in the --json output.
Exit status 1 when an agreement check fails, 2 on bad input, 3 when PyTorch is missing.

Check file format (what `headroom-bench scorer` is to emit):
    {"window": [[F floats], ... one row per step, oldest first], "expected": [O floats]}

Usage:
    peer.py --model FILE [--window 48] [--ticks 5000] [--warmup 500] [--json]
            [--check-window FILE] [--no-onnx] [--stateful] [--seed 7]
    peer.py --model FILE --check FILE      (agreement only: no timing; exit 0 = agree)
Without --json: human-readable lines and a last line `RESULT key=value ...` for run.sh.
With --json: one JSON object on stdout (progress on stderr).
"""

import argparse
import hashlib
import json
import os
import statistics
import struct
import sys
import tempfile
import time
import warnings

try:
    import numpy as np
    import torch
except ImportError as error:
    print(f"peer.py: {error.name} is not installed in this interpreter "
          "(use .venv-peers/bin/python; see bench/scorer/README.md); skipping the peer", file=sys.stderr)
    sys.exit(3)

TENSORS = ["lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
           "head.weight", "head.bias"]
STEP_SECONDS = 300
# Sources/Forecast/LSTM/LSTMFeatures.swift, LSTMFeatureLayout (16 features, 6 resources).
FEATURE_COUNT, RESOURCE_COUNT = 16, 6
INPUT_CLIP = 10.0


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- model file -----------------------------------------------------------------------------

def read_model(path, prefix=None):
    """(spec dict, {short name: float32 array}, prefix) from one of our safetensors files."""
    from safetensors import safe_open
    with open(path, "rb") as f:
        raw = f.read()
    (header_length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_length])
    metadata = header.get("__metadata__", {}) or {}
    if "sha256" in metadata:
        digest = hashlib.sha256(raw[8 + header_length:]).hexdigest()
        if digest != metadata["sha256"]:
            raise ValueError(f"{path}: data checksum {digest} does not match __metadata__.sha256 {metadata['sha256']}")
    names = [n for n in header if n != "__metadata__"]
    if prefix is None:
        found = sorted(n[:-len(TENSORS[0])] for n in names if n.endswith(TENSORS[0]))
        if len(found) != 1:
            raise ValueError(f"{path}: expected one tensor named <prefix>{TENSORS[0]}, found {len(found)} "
                             f"({', '.join(p + TENSORS[0] for p in found) or 'none'}); pass --prefix")
        prefix = found[0]
    if prefix + "spec" not in metadata:
        raise ValueError(f"{path}: no metadata \"{prefix}spec\" (the LSTMSpec)")
    spec = json.loads(metadata[prefix + "spec"])
    spec.setdefault("residualToLastValue", False)  # files from before the field: the plain head
    tensors = {}
    with safe_open(path, framework="numpy") as f:
        for name in TENSORS:
            if prefix + name not in f.keys():
                raise ValueError(f"{path}: no tensor \"{prefix}{name}\"")
            tensors[name] = np.ascontiguousarray(f.get_tensor(prefix + name), dtype=np.float32)
    f_, h = spec["inputFeatures"], spec["hiddenSize"]
    o = spec["horizonSteps"] * spec["outputResources"] * len(spec["quantiles"])
    shapes = {"lstm.weight_ih_l0": (4 * h, f_), "lstm.weight_hh_l0": (4 * h, h), "lstm.bias_ih_l0": (4 * h,),
              "lstm.bias_hh_l0": (4 * h,), "head.weight": (o, h), "head.bias": (o,)}
    for name, shape in shapes.items():
        if tensors[name].shape != shape:
            raise ValueError(f"{path}: tensor {prefix}{name} has shape {list(tensors[name].shape)}, "
                             f"the spec (F = {f_}, H = {h}, O = {o}) needs {list(shape)}")
    return spec, tensors, prefix


class QuantileLSTM(torch.nn.Module):
    """Our LSTMModel: LSTM over the window, linear head on the last h, monotone quantile head,
    optional shift by the last input values. Input [B, T, F], output [B, horizon*resources*Q]."""

    def __init__(self, spec):
        super().__init__()
        self.horizon, self.resources = spec["horizonSteps"], spec["outputResources"]
        self.q = len(spec["quantiles"])
        self.residual = bool(spec["residualToLastValue"])
        self.lstm = torch.nn.LSTM(spec["inputFeatures"], spec["hiddenSize"], batch_first=True)
        self.head = torch.nn.Linear(spec["hiddenSize"], self.horizon * self.resources * self.q)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.quantiles(out[:, -1, :], x[:, -1, :])

    def quantiles(self, h, last):
        """Head on the last hidden state h [B, H]; `last` [B, F] is the last input row."""
        y = self.head(h).reshape(h.shape[0], self.horizon, self.resources, self.q)
        first = y[..., :1]
        if self.q > 1:
            q = torch.cat([first, first + torch.cumsum(torch.nn.functional.softplus(y[..., 1:]), dim=-1)], dim=-1)
        else:
            q = first
        if self.residual:  # LSTMFeatureLayout.valueOffset = 0: feature r is resource r's value
            q = q + last[:, :self.resources].reshape(h.shape[0], 1, self.resources, 1)
        return q.reshape(h.shape[0], -1)


def build_module(spec, tensors):
    net = QuantileLSTM(spec)
    state = {name: torch.from_numpy(array.copy()) for name, array in tensors.items()}
    net.load_state_dict(state, strict=True)
    return net.eval()


# --- feature rows ---------------------------------------------------------------------------

class FeatureRows:
    """Plausible feature rows, one per 5-minute sample. With the standard 16-feature layout:
    scaled resource values as a bounded random walk (now and then a missed sample: carried
    forward, flag 0), measured flags, and the time-of-day / day-of-week sin/cos of a real
    timestamp. Any other width: N(0, 1) rows."""

    def __init__(self, features, seed, start=1_376_611_200):  # 2013-08-16T00:00:00Z
        self.features, self.rng, self.t = features, np.random.default_rng(seed), start
        self.level = self.rng.uniform(0.1, 0.8, RESOURCE_COUNT)
        self.last = self.level.copy()

    def next(self):
        if self.features != FEATURE_COUNT:
            return self.rng.standard_normal(self.features).astype(np.float32)
        row = np.zeros(FEATURE_COUNT, dtype=np.float64)
        self.level = np.clip(self.level + self.rng.normal(0, 0.05, RESOURCE_COUNT), 0, 2)
        measured = self.rng.random(RESOURCE_COUNT) > 0.02
        self.last = np.where(measured, np.clip(self.level, -INPUT_CLIP, INPUT_CLIP), self.last)
        row[:RESOURCE_COUNT] = self.last
        row[RESOURCE_COUNT:2 * RESOURCE_COUNT] = measured
        day, second = divmod(self.t, 86_400)
        day_fraction = second / 86_400
        week_fraction = (((day + 3) % 7) + day_fraction) / 7  # day 0 of the epoch was a Thursday
        row[12:16] = [np.sin(2 * np.pi * day_fraction), np.cos(2 * np.pi * day_fraction),
                      np.sin(2 * np.pi * week_fraction), np.cos(2 * np.pi * week_fraction)]
        self.t += STEP_SECONDS
        return row.astype(np.float32)

    def rows(self, n):
        return np.stack([self.next() for _ in range(n)]) if n else np.zeros((0, self.features), np.float32)


# --- runtimes -------------------------------------------------------------------------------

def torch_forecaster(net):
    def forecast(window):
        with torch.inference_mode():
            return net(torch.from_numpy(window).unsqueeze(0)).numpy()[0]
    return forecast


class TorchStateful:
    """For comparison only (not the window-recompute peer): a Python service that, like our
    scorer, carries (h, c) per workload and runs ONE LSTM step per sample, then the head."""

    def __init__(self, net):
        self.net = net
        self.reset()

    def reset(self):
        h = self.net.lstm.hidden_size
        self.state = (torch.zeros(1, 1, h), torch.zeros(1, 1, h))

    def step(self, row):
        with torch.inference_mode():
            x = torch.from_numpy(row).reshape(1, 1, -1)
            out, self.state = self.net.lstm(x, self.state)
            return self.net.quantiles(out[:, -1, :], x[:, -1, :]).numpy()[0]


def onnx_session(net, spec, window_steps, directory):
    import onnxruntime as ort
    path = os.path.join(directory, "lstm.onnx")
    example = torch.zeros(1, window_steps, spec["inputFeatures"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation of the TorchScript exporter, LSTM batch notes
        # The TorchScript exporter (dynamo=False): the dynamo one needs onnxscript, not installed.
        # Batch fixed at 1; the time axis is dynamic so a check window of any length runs too.
        torch.onnx.export(net, (example,), path, dynamo=False, input_names=["window"], output_names=["quantiles"],
                          dynamic_axes={"window": {1: "steps"}})
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, sess_options=options, providers=["CPUExecutionProvider"])
    size = os.path.getsize(path)

    def forecast(window):
        return session.run(None, {"window": window[None]})[0][0]
    return forecast, ort.__version__, size


def time_ticks(forecast, first_window, rows, warmup, stateful=None):
    """Per-tick ns over rows[warmup:], after warmup untimed ticks; each tick slides the window
    and calls forecast(window), or with `stateful` (a TorchStateful fed first_window first)
    calls stateful.step(row) instead."""
    window = first_window.copy()
    if stateful is not None:
        stateful.reset()
        for row in first_window:
            stateful.step(row)
    samples = []
    cpu_start = wall_start = 0
    for i, row in enumerate(rows):
        if i == warmup:
            wall_start, cpu_start = time.perf_counter_ns(), time.process_time_ns()
        start = time.perf_counter_ns()
        if stateful is not None:
            stateful.step(row)
        else:
            window[:-1] = window[1:]
            window[-1] = row
            forecast(window)
        end = time.perf_counter_ns()
        if i >= warmup:
            samples.append(end - start)
    wall, cpu = time.perf_counter_ns() - wall_start, time.process_time_ns() - cpu_start
    samples.sort()
    n = len(samples)
    return {
        "median_us": statistics.median(samples) / 1e3,
        "p99_us": samples[max(0, -(-99 * n // 100) - 1)] / 1e3,  # nearest rank
        "mean_us": sum(samples) / n / 1e3,
        "min_us": samples[0] / 1e3,
        "ticks": n,
        "ticks_per_s": n / (wall / 1e9),
        "ticks_per_cpu_s": n / (cpu / 1e9) if cpu > 0 else float("nan"),
    }


# --- main -----------------------------------------------------------------------------------

def load_check_file(path, features):
    with open(path) as f:
        data = json.load(f)
    if "window" not in data and isinstance(data.get("check"), dict):
        data = data["check"]  # a --json output of this program
    window = np.asarray(data["window"], dtype=np.float32)
    if window.ndim != 2 or window.shape[1] != features or window.shape[0] < 1:
        raise ValueError(f"{path}: \"window\" must be rows of {features} features, got shape {list(window.shape)}")
    expected = None
    if data.get("expected") is not None:
        expected = np.asarray(data["expected"], dtype=np.float64).reshape(-1)
    return window, expected


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True, help="our LSTM safetensors file")
    parser.add_argument("--prefix", help="tensor-name prefix (default: found from the names)")
    parser.add_argument("--window", type=int, help="window steps (default: the spec's windowSteps, 48)")
    parser.add_argument("--ticks", type=int, default=5000, help="timed ticks per runtime (default 5000)")
    parser.add_argument("--warmup", type=int, default=500, help="untimed ticks first (default 500)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the feature rows and the fixed window")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--check-window", metavar="FILE",
                        help='JSON {"window": [[...]], "expected": [...]?}: the fixed window (and our forecast)')
    parser.add_argument("--check", metavar="FILE", help="like --check-window, agreement only (no timing)")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="max |peer - expected| (default 1e-4)")
    parser.add_argument("--peer-tolerance", type=float, default=1e-5, help="max |torch - onnxruntime| (default 1e-5)")
    parser.add_argument("--no-onnx", action="store_true", help="PyTorch only")
    parser.add_argument("--stateful", action="store_true",
                        help="also time PyTorch carrying (h, c) and stepping once per tick (our scorer's algorithm)")
    a = parser.parse_args()
    if a.check and a.check_window:
        parser.error("give --check or --check-window, not both")
    check_path = a.check or a.check_window
    timing = a.check is None and a.ticks > 0
    if a.ticks < 0 or a.warmup < 0:
        parser.error("--ticks and --warmup must be >= 0")

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    try:
        spec, tensors, prefix = read_model(a.model, a.prefix)
        net = build_module(spec, tensors)
        window_steps = a.window or spec["windowSteps"]
        if window_steps < 1:
            raise ValueError(f"--window must be >= 1, got {window_steps}")
        features = spec["inputFeatures"]
        if check_path:
            check_window, expected = load_check_file(check_path, features)
        else:
            check_window, expected = FeatureRows(features, a.seed).rows(window_steps), None
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as error:
        print(f"peer.py: error: {error}", file=sys.stderr)
        sys.exit(2)

    o = len(tensors["head.bias"])
    if expected is not None and expected.size != o:
        print(f"peer.py: error: {check_path}: \"expected\" has {expected.size} values, the model gives {o}", file=sys.stderr)
        sys.exit(2)

    env = {k: os.environ.get(k, "unset") for k in ["OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                   "OMP_NUM_THREADS"]}
    log(f"PyTorch {torch.__version__}, threads {torch.get_num_threads()}, "
        + " ".join(f"{k}={v}" for k, v in env.items()))
    log(f"model {a.model}: prefix \"{prefix}\", F = {features}, H = {spec['hiddenSize']}, O = {o} "
        f"({spec['horizonSteps']} steps x {spec['outputResources']} resources x {len(spec['quantiles'])} quantiles), "
        f"residualToLastValue {spec['residualToLastValue']}; window {window_steps}, batch 1")

    runtimes = {"torch": torch_forecaster(net)}
    versions = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__}
    with tempfile.TemporaryDirectory() as directory:
        if not a.no_onnx:
            try:
                runtimes["onnxruntime"], versions["onnxruntime"], onnx_bytes = onnx_session(net, spec, window_steps, directory)
                log(f"ONNX Runtime {versions['onnxruntime']}: exported {onnx_bytes} bytes, 1 intra-op / 1 inter-op thread, sequential")
            except ImportError:
                log("warning: onnxruntime is not importable; PyTorch only")

        # Agreement on the fixed window.
        forecasts = {name: np.asarray(f(np.ascontiguousarray(check_window)), dtype=np.float64)
                     for name, f in runtimes.items()}
        check = {"window": check_window.astype(np.float64).tolist(),
                 "source": check_path or f"seeded (--seed {a.seed})",
                 "forecast": {name: v.tolist() for name, v in forecasts.items()}}
        failures = []
        if "onnxruntime" in forecasts:
            diff = float(np.max(np.abs(forecasts["torch"] - forecasts["onnxruntime"])))
            check["max_abs_diff_torch_onnxruntime"] = diff
            ok = diff <= a.peer_tolerance
            log(f"check: max |torch - onnxruntime| = {diff:.3g} (tolerance {a.peer_tolerance:g}): {'ok' if ok else 'FAILED'}")
            if not ok:
                failures.append("torch vs onnxruntime")
        if expected is not None:
            check["expected"] = expected.tolist()
            for name, v in forecasts.items():
                diff = float(np.max(np.abs(v - expected)))
                check[f"max_abs_diff_expected_{name}"] = diff
                ok = diff <= a.tolerance
                log(f"check: max |{name} - expected| = {diff:.3g} (tolerance {a.tolerance:g}): {'ok' if ok else 'FAILED'}")
                if not ok:
                    failures.append(f"{name} vs expected")
        stateful = None
        if a.stateful:
            stateful = TorchStateful(net)
            for row in np.ascontiguousarray(check_window):
                stepped = stateful.step(row)
            diff = float(np.max(np.abs(np.asarray(stepped, dtype=np.float64) - forecasts["torch"])))
            check["max_abs_diff_torch_stateful"] = diff
            ok = diff <= a.peer_tolerance
            log(f"check: max |torch - torch stepped with carried (h, c)| = {diff:.3g} (tolerance {a.peer_tolerance:g}): "
                f"{'ok' if ok else 'FAILED'}")
            if not ok:
                failures.append("torch window vs torch stepped")
        check["agree"] = not failures

        # Per-tick timing: the same pre-generated rows for every runtime.
        results = {}
        if timing:
            generator = FeatureRows(features, a.seed + 1)
            first = generator.rows(window_steps)
            rows = generator.rows(a.warmup + a.ticks)
            timed = [(name, f, None) for name, f in runtimes.items()]
            if stateful is not None:
                timed.append(("torch_stateful", None, stateful))
            for name, f, state in timed:
                r = time_ticks(f, first, rows, a.warmup, state)
                results[name] = r
                log(f"{name}: median {r['median_us']:.1f} us, p99 {r['p99_us']:.1f} us, mean {r['mean_us']:.1f} us per tick; "
                    f"{r['ticks_per_s']:.0f} ticks/s wall, {r['ticks_per_cpu_s']:.0f} per CPU s ({r['ticks']} ticks)")

    if a.json:
        print(json.dumps({
            "peer": "bench/scorer/peer.py", "model": a.model, "prefix": prefix, "spec": spec,
            "window_steps": window_steps, "batch": 1, "warmup": a.warmup, "seed": a.seed,
            "versions": versions, "environment": env, "torch_threads": torch.get_num_threads(),
            "timing": results, "check": check,
        }))
    elif expected is None:
        print("fixed-window forecast (torch): " + " ".join(f"{v:.6g}" for v in forecasts["torch"]))
    if not a.json and results:
        fields = []
        for name, key in [("torch", "torch"), ("onnxruntime", "ort"), ("torch_stateful", "torch_step")]:
            if name in results:
                r = results[name]
                fields += [f"{key}_median_us={r['median_us']:.2f}", f"{key}_p99_us={r['p99_us']:.2f}",
                           f"{key}_mean_us={r['mean_us']:.2f}", f"{key}_ticks_per_s={r['ticks_per_s']:.1f}",
                           f"{key}_ticks_per_cpu_s={r['ticks_per_cpu_s']:.1f}"]
        if "max_abs_diff_torch_onnxruntime" in check:
            fields.append(f"diff_torch_ort={check['max_abs_diff_torch_onnxruntime']:.3g}")
        print("RESULT " + " ".join(fields))
    if failures:
        log("peer.py: agreement check FAILED: " + ", ".join(failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
