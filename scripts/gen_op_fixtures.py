#!/usr/bin/env python3
"""Pin PyTorch's value and derivatives, to third order, for every scalargrad op.

Writes, read by tests/ops.rs and tests/grad.rs:
- tests/data/ops_torch.csv (op,x,y,value,dx,dy): value and first derivatives, including the
  edge points of issue 13 (0^0, i32::MIN exponents, NaN through relu/abs/sign, divisions
  near the ends of the float range);
- tests/data/ops_torch_higher.csv (op,x,y,wrt,d): second and third derivatives from
  torch.autograd.grad(..., create_graph=True), `wrt` naming the variables differentiated by
  in order ("xy" = d/dy d/dx).
Run: pip install torch; python3 scripts/gen_op_fixtures.py
Every float is written with repr(), so Rust's parse gives the exact float64.
CI never runs this script; the CSVs are committed.
"""
import csv
import itertools
import os

import torch

torch.set_default_dtype(torch.float64)

NAN = float("nan")
I32_MIN = float(-(2**31))


def step(x):
    # relu's derivative as PyTorch computes it: threshold_backward(1, x, 0) is 0 where
    # x <= 0, else 1 (NaN gives 1); its own derivative with respect to x is 0.
    return torch.ops.aten.threshold_backward(torch.ones_like(x), x, 0.0)


# name -> (function of (x, y), is_binary, ordinary points, edge points)
# Edge points are pinned to first order only.
CASES = [
    ("add", lambda x, y: x + y, True, [(2.0, -3.0), (0.5, 0.25)], []),
    ("sub", lambda x, y: x - y, True, [(2.0, -3.0), (1e-3, 7.5)], []),
    ("mul", lambda x, y: x * y, True, [(2.0, -3.0), (-0.75, 0.125)], []),
    ("div", lambda x, y: x / y, True, [(2.0, -3.0), (1.0, 1e-3), (-5.0, 4.0)],
     [(1e-170, 1e-170), (1e200, 1e200), (-3e-160, 2e-170), (7e180, -3e190)]),
    # A neuron's weighted sum as one node: x + x*y + y*y (scalargrad: g.dot(Some(x), [x, y], [y, y])).
    ("dot", lambda x, y: x + x * y + y * y, True, [(2.0, -3.0), (0.5, 0.25)], []),
    ("add_const", lambda x, c: x + c, False, [(2.0, 10.0), (-1.0, 1.0)], []),
    ("sub_const", lambda x, c: x - c, False, [(2.0, 10.0)], []),
    ("const_sub", lambda x, c: c - x, False, [(2.0, 10.0)], []),
    ("mul_const", lambda x, c: x * c, False, [(2.0, -1.0), (3.0, 1.1)], []),
    ("div_const", lambda x, c: x / c, False, [(2.0, 3.0), (-7.0, 0.5)], []),
    # c / x with c a tensor that needs no gradient: a true division, as scalargrad's
    # (Python's `c / x` would be reciprocal(x) * c, rounded differently).
    ("const_div", lambda x, c: torch.tensor(c) / x, False,
     [(2.0, 1.0), (-0.5, 3.0), (1.3678794411714423, 1.0)],
     [(1e-170, 1e-170), (1e200, 1e200)]),
    ("neg", lambda x, c: -x, False, [(2.0, 0.0), (-0.0, 0.0)], []),
    ("powf", lambda x, c: x ** c, False, [(3.0, 2.0), (2.0, 0.5), (1.5, -1.5), (0.7, 3.3)],
     [(0.0, 0.0), (2.0, 0.0), (0.0, 1.0)]),
    ("powi", lambda x, c: x ** int(c), False, [(-2.0, 3.0), (1.5, -2.0), (0.9, 7.0)],
     [(0.0, 0.0), (-3.0, 0.0), (0.0, 1.0), (2.0, I32_MIN), (1.0, I32_MIN)]),
    ("exp", lambda x, c: x.exp(), False, [(0.0, 0.0), (1.0, 0.0), (-20.0, 0.0), (10.0, 0.0)], []),
    ("ln", lambda x, c: x.log(), False, [(1.0, 0.0), (2.0, 0.0), (1e-8, 0.0), (1e6, 0.0)],
     [(1e-300, 0.0)]),
    ("tanh", lambda x, c: x.tanh(), False,
     [(0.0, 0.0), (0.5, 0.0), (-3.0, 0.0), (20.0, 0.0), (-20.0, 0.0), (400.0, 0.0)], []),
    ("relu", lambda x, c: x.relu(), False, [(-1.0, 0.0), (0.0, 0.0), (2.5, 0.0), (1e-300, 0.0)],
     [(NAN, 0.0), (-0.0, 0.0)]),
    ("sigmoid", lambda x, c: x.sigmoid(), False,
     [(0.0, 0.0), (1.0, 0.0), (-4.0, 0.0), (30.0, 0.0), (-30.0, 0.0)], []),
    ("sqrt", lambda x, c: x.sqrt(), False, [(4.0, 0.0), (2.0, 0.0), (1e-10, 0.0)], []),
    ("abs", lambda x, c: x.abs(), False, [(-3.0, 0.0), (2.0, 0.0), (0.0, 0.0)], [(NAN, 0.0)]),
    ("sign", lambda x, c: x.sign(), False, [(-3.0, 0.0), (2.0, 0.0), (0.0, 0.0)],
     [(NAN, 0.0), (-0.0, 0.0)]),
    ("step", lambda x, c: step(x), False, [(-3.0, 0.0), (2.0, 0.0), (0.0, 0.0)],
     [(NAN, 0.0), (-0.0, 0.0)]),
    # Issue 27's ops. max and min split the gradient of equal inputs; clamp(-c, c) passes it
    # at both ends (and gives c everywhere when -c > c); softplus switches to x above 20.
    ("max", lambda x, y: torch.maximum(x, y), True, [(2.0, 3.0), (3.0, -2.0), (0.5, 0.5)],
     [(NAN, 1.0), (1.0, NAN), (-0.0, 0.0)]),
    ("min", lambda x, y: torch.minimum(x, y), True, [(2.0, 3.0), (3.0, -2.0), (0.5, 0.5)],
     [(NAN, 1.0), (1.0, NAN)]),
    ("pow", lambda x, y: x ** y, True, [(2.0, 3.0), (0.5, -1.5), (1.7, 0.3)],
     [(0.0, 0.0), (0.0, 2.0), (2.0, 0.0), (0.0, -1.0), (-2.0, 3.0), (-2.0, 0.5)]),
    ("clamp", lambda x, c: x.clamp(-c, c), False, [(0.5, 1.0), (2.0, 1.0), (-3.0, 1.0)],
     [(1.0, 1.0), (-1.0, 1.0), (NAN, 1.0), (0.5, -1.0)]),
    ("leaky_relu", lambda x, c: torch.nn.functional.leaky_relu(x, c), False,
     [(2.0, 0.01), (-2.0, 0.01), (-1.5, 0.2)], [(0.0, 0.01), (-0.0, 0.01), (NAN, 0.01)]),
    ("softplus", lambda x, c: torch.nn.functional.softplus(x), False,
     [(0.0, 0.0), (1.0, 0.0), (-3.0, 0.0), (19.5, 0.0), (-40.0, 0.0)],
     [(20.0, 0.0), (20.5, 0.0), (NAN, 0.0)]),
    ("sin", lambda x, c: x.sin(), False, [(0.0, 0.0), (1.0, 0.0), (-2.5, 0.0), (100.0, 0.0)], []),
    ("cos", lambda x, c: x.cos(), False, [(0.0, 0.0), (1.0, 0.0), (-2.5, 0.0), (100.0, 0.0)], []),
    ("log1p", lambda x, c: x.log1p(), False, [(1e-20, 0.0), (0.5, 0.0), (-0.5, 0.0), (3.0, 0.0)],
     [(-1.0, 0.0), (-2.0, 0.0)]),
    ("detach", lambda x, c: x.detach() * 1.0, False, [(2.0, 0.0)], []),
]


def derivative(f, v):
    """d f / d v with create_graph=True; zeros where f does not depend on v."""
    if not f.requires_grad:
        return torch.zeros_like(v)
    (d,) = torch.autograd.grad(f, v, create_graph=True, allow_unused=True, materialize_grads=True)
    return d


def main():
    here = os.path.dirname(__file__)
    first = os.path.join(here, "..", "tests", "data", "ops_torch.csv")
    higher = os.path.join(here, "..", "tests", "data", "ops_torch_higher.csv")
    with open(first, "w", newline="") as f1, open(higher, "w", newline="") as f2:
        w1 = csv.writer(f1, lineterminator="\n")
        w2 = csv.writer(f2, lineterminator="\n")
        w1.writerow(["op", "x", "y", "value", "dx", "dy"])
        w2.writerow(["op", "x", "y", "wrt", "d"])
        for name, fn, binary, points, edges in CASES:
            for x0, y0 in points + edges:
                x = torch.tensor(x0, requires_grad=True)
                y = torch.tensor(y0, requires_grad=True)
                z = fn(x, y) if binary else fn(x, y0)
                if z.requires_grad:
                    z.backward()
                dx = x.grad.item() if x.grad is not None else 0.0
                dy = (y.grad.item() if y.grad is not None else 0.0) if binary else 0.0
                w1.writerow([name, repr(x0), repr(y0), repr(z.item()), repr(dx), repr(dy)])
                if (x0, y0) in edges:
                    continue
                variables = {"x": x, "y": y} if binary else {"x": x}
                z = fn(x, y) if binary else fn(x, y0)
                for order in (2, 3):
                    for wrt in itertools.product(sorted(variables), repeat=order):
                        d = z
                        for v in wrt:
                            d = derivative(d, variables[v])
                        w2.writerow([name, repr(x0), repr(y0), "".join(wrt), repr(d.item())])
    print(f"wrote {first} and {higher} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
