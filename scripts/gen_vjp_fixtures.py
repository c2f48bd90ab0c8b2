#!/usr/bin/env python3
"""Pin PyTorch's backward bits for every scalargrad op, with upstream gradients other than 1.

Writes tests/data/vjp_torch.csv (op,x,y,g,value,gx,gy), read by tests/vjp.rs: for each op, each
point (x, y) and each upstream gradient g, the forward value and what PyTorch's backward hands
x and y, `torch.autograd.grad(z, (x, y), g)`. The upstream gradients include ±inf, ±0,
subnormals and huge values, and random ones; the points include random ones, so that a
formula written in another order of operations (g·(1/y) for g/y, g·(y(1−y)) for
(g·(1−y))·y) shows up in the last bit.

Every tensor is 0-dimensional, so PyTorch's CPU kernels take their scalar path (std::exp,
std::pow, ...), as scalargrad's f64 methods do; the vectorized path (Sleef) may round
differently.

Run: pip install torch; python3 scripts/gen_vjp_fixtures.py
Every float is written with repr(), so Rust's parse gives the exact float64.
CI never runs this script; the CSV is committed.
"""
import csv
import os
import random

import torch

torch.set_default_dtype(torch.float64)

INF = float("inf")
NAN = float("nan")


def step(x):
    return torch.ops.aten.threshold_backward(torch.ones_like(x), x, 0.0)


# name -> (function of (x, y) or (x, c), is_binary, points)
rng = random.Random(27)


def rand_points(lo, hi, n, c=None, binary=False):
    pts = []
    for _ in range(n):
        x = rng.uniform(lo, hi)
        if binary:
            pts.append((x, rng.uniform(lo, hi)))
        else:
            pts.append((x, c if c is not None else 0.0))
    return pts


CASES = [
    ("add", lambda x, y: x + y, True, [(2.0, -3.0)] + rand_points(-5, 5, 3, binary=True)),
    ("sub", lambda x, y: x - y, True, [(2.0, -3.0)] + rand_points(-5, 5, 3, binary=True)),
    ("mul", lambda x, y: x * y, True,
     [(2.0, -3.0), (0.0, INF), (-0.0, 2.0)] + rand_points(-5, 5, 6, binary=True)),
    ("div", lambda x, y: x / y, True,
     [(3.0, 10.0), (1e-170, 1e-170), (1e200, 1e200), (1.0, 0.0)] + rand_points(-5, 5, 10, binary=True)),
    ("add_const", lambda x, c: x + c, False, [(2.0, 10.0), (0.3, -0.1)]),
    ("sub_const", lambda x, c: x - c, False, [(2.0, 10.0)]),
    ("const_sub", lambda x, c: c - x, False, [(2.0, 10.0)]),
    ("mul_const", lambda x, c: x * c, False, [(2.0, 3.0), (3.0, 1.1), (1.0, -0.0), (0.7, 0.1)]),
    ("div_const", lambda x, c: x / c, False, [(3.0, 10.0), (2.0, 3.0), (-7.0, 0.3), (1.0, 0.0)]),
    ("const_div", lambda x, c: torch.tensor(c) / x, False,
     [(2.0, 1.0), (-0.5, 3.0), (0.3, 0.7), (1e-170, 1e-170), (0.0, 1.0)]),
    ("neg", lambda x, c: -x, False, [(2.0, 0.0), (-0.0, 0.0)]),
    ("powf", lambda x, c: x ** c, False,
     [(3.0, 2.0), (0.7, 3.0), (1.3, 3.0), (2.0, 0.5), (0.3, -0.5), (0.3, -1.0), (0.3, -2.0),
      (1.5, -1.5), (0.7, 3.3), (0.9, 4.0), (0.0, 0.0), (2.0, 0.0), (0.0, 1.0), (0.0, 2.0),
      (-0.0, 3.0), (0.0, -1.0)]
     + rand_points(0.1, 3, 6, 3.0) + rand_points(0.1, 3, 6, 4.0) + rand_points(0.1, 3, 4, 2.5)),
    ("powi", lambda x, c: x ** int(c), False,
     [(-2.0, 3.0), (0.7, 3.0), (1.5, -2.0), (0.9, 7.0), (0.0, 0.0), (-3.0, 0.0), (2.0, 1.0),
      (0.3, -1.0), (0.0, 2.0)] + rand_points(-3, 3, 6, 3.0) + rand_points(-3, 3, 4, 4.0)),
    ("exp", lambda x, c: x.exp(), False, [(0.0, 0.0), (1.0, 0.0), (1000.0, 0.0)] + rand_points(-5, 5, 5)),
    ("ln", lambda x, c: x.log(), False, [(1.0, 0.0), (10.0, 0.0), (0.0, 0.0), (-1.0, 0.0)] + rand_points(0.01, 5, 8)),
    ("tanh", lambda x, c: x.tanh(), False, [(0.5, 0.0), (20.0, 0.0)] + rand_points(-3, 3, 8)),
    ("relu", lambda x, c: x.relu(), False,
     [(-1.0, 0.0), (0.0, 0.0), (-0.0, 0.0), (2.5, 0.0), (NAN, 0.0)]),
    ("sigmoid", lambda x, c: x.sigmoid(), False,
     [(0.0, 0.0), (1.0, 0.0), (-40.0, 0.0), (40.0, 0.0)] + rand_points(-8, 8, 40)),
    ("sqrt", lambda x, c: x.sqrt(), False, [(4.0, 0.0), (2.0, 0.0), (0.0, 0.0), (-1.0, 0.0)] + rand_points(0.01, 5, 10)),
    ("abs", lambda x, c: x.abs(), False, [(-3.0, 0.0), (2.0, 0.0), (0.0, 0.0), (NAN, 0.0)]),
    ("sign", lambda x, c: x.sign(), False, [(-3.0, 0.0), (0.0, 0.0), (NAN, 0.0)]),
    ("step", lambda x, c: step(x), False, [(-3.0, 0.0), (2.0, 0.0), (0.0, 0.0)]),
    ("max", lambda x, y: torch.maximum(x, y), True,
     [(2.0, 3.0), (3.0, 2.0), (0.5, 0.5), (NAN, 1.0), (INF, INF)] + rand_points(-3, 3, 3, binary=True)),
    ("min", lambda x, y: torch.minimum(x, y), True,
     [(2.0, 3.0), (3.0, 2.0), (0.5, 0.5), (1.0, NAN)] + rand_points(-3, 3, 3, binary=True)),
    ("pow", lambda x, y: x ** y, True,
     [(2.0, 3.0), (0.0, 0.0), (0.0, 2.0), (2.0, 0.0), (-2.0, 3.0)] + rand_points(0.1, 3, 6, binary=True)),
    ("clamp", lambda x, c: x.clamp(-c, c), False,
     [(0.5, 1.0), (1.0, 1.0), (-1.0, 1.0), (2.0, 1.0), (NAN, 1.0), (0.5, -1.0)]),
    ("leaky_relu", lambda x, c: torch.nn.functional.leaky_relu(x, c), False,
     [(2.0, 0.01), (-2.0, 0.01), (0.0, 0.01), (NAN, 0.01)] + rand_points(-3, 3, 4, 0.2)),
    ("softplus", lambda x, c: torch.nn.functional.softplus(x), False,
     [(0.0, 0.0), (20.0, 0.0), (20.5, 0.0), (-800.0, 0.0)] + rand_points(-25, 25, 10)),
    ("sin", lambda x, c: x.sin(), False, rand_points(-10, 10, 8)),
    ("cos", lambda x, c: x.cos(), False, rand_points(-10, 10, 8)),
    ("log1p", lambda x, c: x.log1p(), False, [(-1.0, 0.0), (1e-20, 0.0)] + rand_points(-0.9, 5, 8)),
    ("detach", lambda x, c: x.detach() * 1.0, False, [(2.0, 0.0)]),
]

UPSTREAM = [1.0, -1.0, 0.1, -0.7, 3.0, 1e-3, INF, -INF, 0.0, -0.0, 5e-324, -2.5e-310, 1e308,
            -1.7e308]


def main():
    here = os.path.dirname(__file__)
    out = os.path.join(here, "..", "tests", "data", "vjp_torch.csv")
    gs = UPSTREAM + [rng.uniform(-10, 10) for _ in range(6)]
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["op", "x", "y", "g", "value", "gx", "gy"])
        for name, fn, binary, points in CASES:
            for x0, y0 in points:
                for g0 in gs:
                    x = torch.tensor(x0, requires_grad=True)
                    y = torch.tensor(y0, requires_grad=True)
                    z = fn(x, y) if binary else fn(x, y0)
                    wrt = (x, y) if binary else (x,)
                    if z.requires_grad:
                        ds = torch.autograd.grad(z, wrt, torch.tensor(g0), allow_unused=True,
                                                 materialize_grads=True)
                    else:
                        ds = [torch.zeros(())] * len(wrt)
                    gy = ds[1].item() if binary else 0.0
                    w.writerow([name, repr(x0), repr(y0), repr(g0), repr(z.item()),
                                repr(ds[0].item()), repr(gy)])
    print(f"wrote {out} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
