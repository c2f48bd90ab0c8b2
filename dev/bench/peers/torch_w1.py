"""W1 'moons' in PyTorch (CPU, one thread, float64, batched tensors): seconds per step.

The 2-16-16-1 ReLU MLP of BENCHMARKS.md with the W1 initial parameters; all 100 points go
through each layer as one matrix product (PyTorch's natural form, not one node per scalar),
hinge loss + 1e-4 L2, 100 SGD steps with lr = 1 - 0.9k/100. The clock covers the 100 steps.

Run: `python dev/bench/peers/torch_w1.py [--reps N]`.
"""

import time

import torch

from common import args, check, moons, numbers, result, sci

LOSS0, LOSS99 = 9.128546778969e-01, 1.180543291408e-02


def layers(init):
    """(W, b) per layer from the file order: per neuron its weights, then its bias."""
    out, at = [], 0
    for nin, nout in [(2, 16), (16, 16), (16, 1)]:
        rows = [init[at + n * (nin + 1) : at + (n + 1) * (nin + 1)] for n in range(nout)]
        at += nout * (nin + 1)
        w = torch.tensor([r[:nin] for r in rows], dtype=torch.float64, requires_grad=True)
        b = torch.tensor([r[nin] for r in rows], dtype=torch.float64, requires_grad=True)
        out.append((w, b))
    assert at == len(init)
    return out


def once(x, y, init):
    """100 steps; returns (seconds per step, loss at step 0, loss at step 99, accuracy at 99)."""
    model = layers(init)
    params = [t for wb in model for t in wb]
    first = last = None
    start = time.perf_counter()
    for k in range(100):
        h = x
        for i, (w, b) in enumerate(model):
            h = torch.addmm(b, h, w.t())
            if i < 2:
                h = torch.relu(h)
        score = h[:, 0]
        data_loss = torch.relu(1.0 - y * score).sum() * (1.0 / 100)
        reg_loss = sum((p * p).sum() for p in params) * 1e-4
        total = data_loss + reg_loss
        for p in params:
            p.grad = None
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        if k == 0:
            first = total.item()
        if k == 99:
            last = total.item()
            correct = int(((score > 0) == (y > 0)).sum())
    return (time.perf_counter() - start) / 100, first, last, correct


def main():
    a = args(__doc__.splitlines()[0])
    torch.set_num_threads(1)
    xs, ys = moons()
    x = torch.tensor(xs, dtype=torch.float64)
    y = torch.tensor(ys, dtype=torch.float64)
    init = numbers("w1_init.txt", 337)
    runs = [once(x, y, init) for _ in range(a.reps)]
    _, l0, l99, acc = runs[-1]
    check("W1 loss at step 0", l0, LOSS0, 1e-10)
    check("W1 loss at step 99", l99, LOSS99, 1e-10)
    assert acc == 100, f"W1 accuracy at step 99: {acc}/100"
    result(
        "pytorch-batched", "w1", "s_per_step", [r[0] for r in runs], 65075,
        f"loss0={sci(l0)} loss_last={sci(l99)} acc={acc}/100 torch={torch.__version__}",
    )


if __name__ == "__main__":
    main()
