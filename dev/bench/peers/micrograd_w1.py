"""W1 'moons' in micrograd 0.1.0 (Karpathy's, from PyPI), unchanged: seconds per step.

Exactly micrograd's demo: `MLP(2, [16, 16, 1])` with the W1 initial parameters, one `Value`
per number, hinge loss + 1e-4 L2, SGD with lr = 1 - 0.9k/100. micrograd's `sum()` starts
from 0 and its `-y * score` multiplies by a constant leaf, so it builds a few nodes more than
the canonical count (same numbers). A step takes about 1.5 s, so by default only the first
3 of the 100 steps run; the value is their mean (the time per step is flat), and only the
step-0 loss is checked (the line says `steps=3 of 100`).

Run: `python dev/bench/peers/micrograd_w1.py [--reps N] [--steps N]`.
"""

import sys
import time

from micrograd.engine import Value
from micrograd.nn import MLP

from common import args, check, moons, numbers, result, sci

LOSS0, LOSS99 = 9.128546778969e-01, 1.180543291408e-02


def once(xs, ys, init, steps):
    """`steps` steps; returns (seconds per step, loss at step 0, loss at the last step)."""
    model = MLP(2, [16, 16, 1])
    params = model.parameters()
    assert len(params) == len(init)
    for p, v in zip(params, init):
        p.data = v
    first = last = None
    start = time.perf_counter()
    for k in range(steps):
        inputs = [list(map(Value, x)) for x in xs]
        scores = list(map(model, inputs))
        losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in params)
        total = data_loss + reg_loss
        model.zero_grad()
        total.backward()
        lr = 1.0 - 0.9 * k / 100
        for p in params:
            p.data -= lr * p.grad
        if k == 0:
            first = total.data
        last = total.data
    return (time.perf_counter() - start) / steps, first, last


def main():
    a = args(__doc__.splitlines()[0], default_reps=1, steps=3)
    sys.setrecursionlimit(10_000)  # micrograd's topological sort recurses
    xs, ys = moons()
    init = numbers("w1_init.txt", 337)
    runs = [once(xs, ys, init, a.steps) for _ in range(a.reps)]
    _, l0, ll = runs[-1]
    check("W1 loss at step 0", l0, LOSS0, 1e-12)
    extra = f"loss0={sci(l0)} loss_last={sci(ll)}"
    if a.steps == 100:
        check("W1 loss at step 99", ll, LOSS99, 1e-10)
    else:
        extra += f" steps={a.steps}_of_100"
    result("micrograd", "w1", "s_per_step", [r[0] for r in runs], 65075, extra)


if __name__ == "__main__":
    main()
