#!/usr/bin/env python3
"""PyTorch peer of `headroom-bench lstm`: nn.LSTM + nn.Linear + Adam, single thread.

Same workload as Sources/HeadroomBench/LSTMBench.swift: batch 64, window 48, hidden 64,
4 inputs, a single-step head of 4 outputs, pinball loss at tau = 0.5 (= 0.5 * |error|, mean),
global-norm gradient clipping at 1, Adam (lr 1e-3), random N(0, 1) inputs and targets.
One round = one epoch of --batches minibatches drawn from a fresh random permutation
(index, forward, loss, backward, clip, step), after one warm-up round; timed in wall-clock
seconds and in process CPU seconds (time.process_time, robust to competing processes).

FLOPs per sequence: the same nominal count as ours (see LSTMBench.swift),
2*4H*T*(F+H)*2 + 2*4H*T*H + 6*H*O.

Prints human-readable lines and a last line `RESULT key=value ...` for run.sh.
Usage: peer.py [--batch 64 --window 48 --hidden 64 --features 4 --outputs 4 --batches 300 --rounds 3]
"""

import argparse
import os
import statistics
import sys
import time

try:
    import torch
except ImportError:
    print("peer.py: PyTorch is not installed in this interpreter "
          "(pip install /opt/wheels/torch-*+cpu-*.whl into .venv-peers); skipping the peer")
    sys.exit(3)


def main():
    parser = argparse.ArgumentParser()
    for name, default in [("batch", 64), ("window", 48), ("hidden", 64), ("features", 4),
                          ("outputs", 4), ("batches", 300), ("rounds", 3)]:
        parser.add_argument("--" + name, type=int, default=default)
    a = parser.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(7)
    print(f"PyTorch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')} "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', 'unset')}")
    print(f"mkldnn enabled: {torch.backends.mkldnn.enabled and torch.backends.mkldnn.is_available()}")

    count = a.batch * a.batches
    inputs = torch.randn(count, a.window, a.features)
    targets = torch.randn(count, a.outputs)

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(a.features, a.hidden, batch_first=True)
            self.head = torch.nn.Linear(a.hidden, a.outputs)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1, :])

    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    tau = 0.5

    def epoch():
        order = torch.randperm(count)
        start, cpu_start = time.perf_counter(), time.process_time()
        for b in range(a.batches):
            index = order[b * a.batch:(b + 1) * a.batch]
            x, y = inputs[index], targets[index]
            optimizer.zero_grad(set_to_none=True)
            u = y - net(x)
            loss = torch.maximum(tau * u, (tau - 1) * u).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
        return time.perf_counter() - start, time.process_time() - cpu_start

    epoch()  # warm-up
    rounds = [epoch() for _ in range(a.rounds)]
    seq_per_s = count / statistics.median(r[0] for r in rounds)
    seq_per_cpu_s = count / statistics.median(r[1] for r in rounds)
    t, f, h, o = a.window, a.features, a.hidden, a.outputs
    flops = 2 * 4 * h * t * (f + h) * 2 + 2 * 4 * h * t * h + 6 * h * o
    gflops = seq_per_s * flops / 1e9
    gflops_cpu = seq_per_cpu_s * flops / 1e9

    # Batch-1 inference over one window (no grad).
    one = inputs[:1]
    with torch.no_grad():
        for _ in range(100):
            net(one)
        samples = []
        for _ in range(5):
            s = time.perf_counter()
            for _ in range(2000):
                net(one)
            samples.append((time.perf_counter() - s) / 2000 * 1e6)
    predict_us = statistics.median(samples)

    print("rounds, wall s: " + " ".join(f"{r[0]:.4f}" for r in rounds)
          + "; CPU s: " + " ".join(f"{r[1]:.4f}" for r in rounds))
    print(f"training: {seq_per_s:.0f} sequences/s wall, {seq_per_cpu_s:.0f} per CPU second "
          f"(medians of {a.rounds} rounds of {count} sequences)")
    print(f"FLOPs per sequence: {flops}  ->  {gflops:.1f} GFLOP/s wall, {gflops_cpu:.1f} per CPU second")
    print(f"inference: batch 1 x {t} steps {predict_us:.1f} us")
    print(f"RESULT seq_per_s={seq_per_s:.1f} seq_per_cpu_s={seq_per_cpu_s:.1f} gflops={gflops:.2f} "
          f"gflops_cpu={gflops_cpu:.2f} flops_per_seq={flops} predict_us={predict_us:.2f}")


if __name__ == "__main__":
    main()
