#!/usr/bin/env python3
"""Pin PyTorch's value and gradients for every scalargrad op.

Writes tests/data/ops_torch.csv (op,x,y,value,dx,dy), read by tests/ops.rs.
Run: pip install torch; python3 scripts/gen_op_fixtures.py
Every float is written with repr(), so Rust's parse gives the exact float64.
CI never runs this script; the CSV is committed.
"""
import csv
import os

import torch

torch.set_default_dtype(torch.float64)

# name -> (function of (x, y), is_binary, points)
UNARY_CONST = lambda f: (f, False)
CASES = [
    ("add", lambda x, y: x + y, True, [(2.0, -3.0), (0.5, 0.25)]),
    ("sub", lambda x, y: x - y, True, [(2.0, -3.0), (1e-3, 7.5)]),
    ("mul", lambda x, y: x * y, True, [(2.0, -3.0), (-0.75, 0.125)]),
    ("div", lambda x, y: x / y, True, [(2.0, -3.0), (1.0, 1e-3), (-5.0, 4.0)]),
    ("add_const", lambda x, c: x + c, False, [(2.0, 10.0), (-1.0, 1.0)]),
    ("sub_const", lambda x, c: x - c, False, [(2.0, 10.0)]),
    ("const_sub", lambda x, c: c - x, False, [(2.0, 10.0)]),
    ("mul_const", lambda x, c: x * c, False, [(2.0, -1.0), (3.0, 1.1)]),
    ("div_const", lambda x, c: x / c, False, [(2.0, 3.0), (-7.0, 0.5)]),
    ("const_div", lambda x, c: c / x, False, [(2.0, 1.0), (-0.5, 3.0), (1.3678794411714423, 1.0)]),
    ("neg", lambda x, c: -x, False, [(2.0, 0.0), (-0.0, 0.0)]),
    ("powf", lambda x, c: x ** c, False, [(3.0, 2.0), (2.0, 0.5), (1.5, -1.5), (0.7, 3.3)]),
    ("powi", lambda x, c: x ** int(c), False, [(-2.0, 3.0), (1.5, -2.0), (0.9, 7.0)]),
    ("exp", lambda x, c: x.exp(), False, [(0.0, 0.0), (1.0, 0.0), (-20.0, 0.0), (10.0, 0.0)]),
    ("ln", lambda x, c: x.log(), False, [(1.0, 0.0), (2.0, 0.0), (1e-8, 0.0), (1e-300, 0.0), (1e6, 0.0)]),
    ("tanh", lambda x, c: x.tanh(), False, [(0.0, 0.0), (0.5, 0.0), (-3.0, 0.0), (20.0, 0.0), (-20.0, 0.0), (400.0, 0.0)]),
    ("relu", lambda x, c: x.relu(), False, [(-1.0, 0.0), (0.0, 0.0), (2.5, 0.0), (1e-300, 0.0)]),
    ("sigmoid", lambda x, c: x.sigmoid(), False, [(0.0, 0.0), (1.0, 0.0), (-4.0, 0.0), (30.0, 0.0), (-30.0, 0.0)]),
    ("sqrt", lambda x, c: x.sqrt(), False, [(4.0, 0.0), (2.0, 0.0), (1e-10, 0.0)]),
    ("abs", lambda x, c: x.abs(), False, [(-3.0, 0.0), (2.0, 0.0), (0.0, 0.0)]),
]


def main():
    out = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "ops_torch.csv")
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["op", "x", "y", "value", "dx", "dy"])
        for name, fn, binary, points in CASES:
            for x0, y0 in points:
                x = torch.tensor(x0, requires_grad=True)
                if binary:
                    y = torch.tensor(y0, requires_grad=True)
                    z = fn(x, y)
                else:
                    y = None
                    z = fn(x, y0)
                z.backward()
                dy = y.grad.item() if binary else 0.0
                w.writerow([name, repr(x0), repr(y0), repr(z.item()), repr(x.grad.item()), repr(dy)])
    print(f"wrote {out} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
