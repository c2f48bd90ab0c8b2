"""W4 'wide' in PyTorch (CPU, one thread, float64, one 0-d tensor per number): ns per op node.

a_i = (i mod 1000)/1000 - 0.5 and b_i = (i mod 997)/997 - 0.5 (computed before the clock);
the clock covers creating the 10⁶ `a` leaves, then the `b` leaves, the products, their left-
fold sum and `backward`. Freeing is timed apart (`free_ns`). With `--size N` below 10⁶ (a
quick check) the check values are skipped (`size=N`).

Run: `python dev/bench/peers/torch_w4.py [--reps N] [--size N]`.
"""

import time

import torch

from common import args, check, result, sci

OUT, GRADSUM = 2.420679879641e02, -1.005963891675e03
SIZE = 1_000_000


def once(a, b):
    """One graph; returns (ns per op node, fwd, bwd, free (ns per op node), s, sum of grads)."""
    f64 = torch.float64
    t0 = time.perf_counter()
    ta = [torch.tensor(v, dtype=f64, requires_grad=True) for v in a]
    tb = [torch.tensor(v, dtype=f64, requires_grad=True) for v in b]
    s = ta[0] * tb[0]
    for i in range(1, len(a)):
        s = s + ta[i] * tb[i]
    t1 = time.perf_counter()
    s.backward()
    t2 = time.perf_counter()
    out = s.item()
    gradsum = 0.0
    for t in ta + tb:
        gradsum += t.grad.item()
    t3 = time.perf_counter()
    del s, ta, tb
    t4 = time.perf_counter()
    n = (2 * len(a) - 1) / 1e9
    return (t2 - t0) / n, (t1 - t0) / n, (t2 - t1) / n, (t4 - t3) / n, out, gradsum


def main():
    a = args(__doc__.splitlines()[0], default_reps=1, size=SIZE)
    torch.set_num_threads(1)
    xa = [(i % 1000) / 1000 - 0.5 for i in range(a.size)]
    xb = [(i % 997) / 997 - 0.5 for i in range(a.size)]
    runs = [once(xa, xb) for _ in range(a.reps)]
    *_, out, gradsum = runs[-1]
    extra = f"out={sci(out)} gradsum={sci(gradsum)}"
    if a.size == SIZE:
        check("W4 s", out, OUT, 1e-10)
        check("W4 sum of gradients", gradsum, GRADSUM, 1e-10)
    else:
        extra += f" size={a.size}"
    med = lambda i: sorted(r[i] for r in runs)[len(runs) // 2]
    extra += f" fwd_ns={med(1):.3f} bwd_ns={med(2):.3f} free_ns={med(3):.3f} torch={torch.__version__}"
    result("pytorch-scalar", "w4", "ns_per_node", [r[0] for r in runs], 2 * a.size - 1, extra)


if __name__ == "__main__":
    main()
