"""W2 'xor' in micrograd 0.1.0 (Karpathy's, from PyPI): total seconds.

micrograd has no `exp`, `log` or sigmoid, so this file adds the three as nodes written the
way micrograd writes `relu` (a forward value and a `_backward` closure); everything else is
micrograd's own `Value`: its `/` is `a * b**-1` and its negation `x * -1`, so it builds
more nodes than the canonical 148 per epoch (per-node figures divide by the canonical count).
Adam with amsgrad is written out as in BENCHMARKS.md. By default it runs all 10,000 epochs
(a few seconds) and checks both losses; with `--epochs N` below that, only the epoch-0 loss
is checked and the time is extrapolated to 10,000 epochs (`extrapolated_from=N`).

Run: `python dev/bench/peers/micrograd_w2.py [--reps N] [--epochs N]`.
"""

import math
import time

from micrograd.engine import Value

from common import args, check, numbers, result, sci

LOSS0, LOSS_LAST = 7.103683591605e-01, 1.373942350372e-02
EPOCHS = 10_000
SAMPLES = [((0.0, 0.0), 0), ((0.0, 1.0), 1), ((1.0, 0.0), 1), ((1.0, 1.0), 0)]


def exp(v):
    """e^v; derivative e^v."""
    out = Value(math.exp(v.data), (v,), "exp")

    def _backward():
        v.grad += out.data * out.grad

    out._backward = _backward
    return out


def log(v):
    """ln v; derivative 1/v."""
    out = Value(math.log(v.data), (v,), "log")

    def _backward():
        v.grad += out.grad / v.data

    out._backward = _backward
    return out


def sigmoid(v):
    """1/(1 + e^-v); derivative s(1 - s)."""
    out = Value(1.0 / (1.0 + math.exp(-v.data)), (v,), "sigmoid")

    def _backward():
        v.grad += out.data * (1.0 - out.data) * out.grad

    out._backward = _backward
    return out


def once(init, epochs):
    """`epochs` epochs; returns (seconds, loss at epoch 0, loss at the last epoch)."""
    params = [Value(v) for v in init]
    w1 = [params[2 * j : 2 * j + 2] for j in range(4)]
    w2 = [params[8 + 4 * k : 8 + 4 * k + 4] for k in range(2)]
    m = [0.0] * 16
    v = [0.0] * 16
    vmax = [0.0] * 16
    first = last = None
    start = time.perf_counter()
    for epoch in range(epochs):
        per_sample = []
        for (a, b), y in SAMPLES:
            x0, x1 = Value(a), Value(b)
            h = [sigmoid(w[0] * x0 + w[1] * x1) for w in w1]
            o = [((w[0] * h[0] + w[1] * h[1]) + w[2] * h[2]) + w[3] * h[3] for w in w2]
            e = [exp(ok) for ok in o]
            per_sample.append(-log(e[y] / (e[0] + e[1])))
        loss = (((per_sample[0] + per_sample[1]) + per_sample[2]) + per_sample[3]) * 0.25
        for p in params:
            p.grad = 0.0
        loss.backward()
        t = epoch + 1
        step = 0.001 / (1.0 - 0.9**t)
        root = math.sqrt(1.0 - 0.999**t)
        for i, p in enumerate(params):
            g = p.grad
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            vmax[i] = max(vmax[i], v[i])
            p.data -= step * m[i] / (math.sqrt(vmax[i]) / root + 1e-8)
        if epoch == 0:
            first = loss.data
        last = loss.data
    return time.perf_counter() - start, first, last


def main():
    a = args(__doc__.splitlines()[0], default_reps=1, epochs=EPOCHS)
    init = numbers("w2_init.txt", 16)
    runs = [once(init, a.epochs) for _ in range(a.reps)]
    _, l0, ll = runs[-1]
    check("W2 loss at epoch 0", l0, LOSS0, 1e-10)
    extra = f"loss0={sci(l0)} loss_last={sci(ll)}"
    if a.epochs == EPOCHS:
        check("W2 loss at epoch 9,999", ll, LOSS_LAST, 1e-10)
    else:
        extra += f" extrapolated_from={a.epochs}"
    result("micrograd", "w2", "s_total", [r[0] for r in runs], 1480000, extra, scale=EPOCHS / a.epochs)


if __name__ == "__main__":
    main()
