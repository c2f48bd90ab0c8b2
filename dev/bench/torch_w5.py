#!/usr/bin/env python3
"""W5 'digits' in PyTorch: one epoch of examples/digits_train.rs, timed, for BENCHMARKS.md.

Same network (nn.Linear(64, 32) -> tanh -> nn.Linear(32, 10)), loss (F.cross_entropy, mean
over the batch), optimizer (Adam, lr 0.01) and batch size (32) over the 1,438 training rows
(80 % of sample_data/digits.csv, pixels / 16: 45 batches). CPU, one thread, batched tensors,
in float32 (PyTorch's default) and float64 (scalargrad's arithmetic). Weights start from
torch.manual_seed(0) and the batches from numpy's default_rng(0), so the loss differs from
scalargrad's run in the last digits only through the different draws; the time does not
depend on them. Each repetition starts from fresh weights; the median is printed as
RESULT lines like dev/bench/main.rs, with the
thread's CPU time (steadier than the wall clock on a loaded machine).
Run: pip install torch numpy; python3 dev/bench/torch_w5.py [--reps N]  (CI never runs it.)
"""
import csv
import os
import statistics
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)


def load():
    path = os.path.join(os.path.dirname(__file__), "..", "..", "sample_data", "digits.csv")
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    x = np.array([[float(v) / 16.0 for v in r[:64]] for r in rows])
    y = np.array([int(r[64]) for r in rows])
    # A stratified 80/20 split (the same sizes as Labeled::split_stratified: 1,438 rows).
    rng = np.random.default_rng(0)
    train = []
    for c in range(10):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        train += idx[round(len(idx) * 0.2):].tolist()
    train.sort()
    return x[train], y[train]


def epoch(x, y, dtype, seed):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10)).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    xt = torch.tensor(x, dtype=dtype)
    yt = torch.tensor(y)
    perm = np.random.default_rng(seed).permutation(len(y))
    batches = [torch.tensor(perm[i:i + 32]) for i in range(0, len(perm), 32)]
    start = time.perf_counter()
    cpu = time.thread_time()
    total = 0.0
    for b in batches:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt[b]), yt[b])
        loss.backward()
        opt.step()
        total += loss.item() * len(b)
    return time.perf_counter() - start, time.thread_time() - cpu, total / len(y), len(batches)


def main():
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 7
    x, y = load()
    for dtype, name in [(torch.float32, "w5-f32"), (torch.float64, "w5-f64")]:
        epoch(x, y, dtype, 0)  # warm-up: first-call overheads are not part of an epoch
        runs = [epoch(x, y, dtype, 0) for _ in range(reps)]
        secs = [r[0] for r in runs]
        cpu = [r[1] for r in runs]
        print(
            f"RESULT engine=pytorch-{torch.__version__.split('+')[0]} workload={name} metric=s_per_epoch "
            f"value={statistics.median(secs):.6e} cpu_s={statistics.median(cpu):.6e} batches={runs[0][3]} rows={len(y)} reps={reps} "
            f"loss={runs[0][2]:.12e}"
        )


if __name__ == "__main__":
    main()
