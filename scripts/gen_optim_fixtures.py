#!/usr/bin/env python3
"""Pin torch.optim.SGD and torch.optim.Adam trajectories for tests/optim.rs.

Loss: L(p) = sum_i w_i * (p_i - t_i)^2 + tanh(p_0 * p_1), p in R^3, float64.
For each optimizer configuration, 6 steps from p0; after every step the parameters are
recorded. Writes tests/data/optim_torch.csv (config, step, p0, p1, p2), floats as repr().
Run: pip install torch; python3 scripts/gen_optim_fixtures.py  (CI never runs it.)
"""
import csv
import os

import torch

torch.set_default_dtype(torch.float64)
P0 = [0.5, -1.25, 2.0]
T = [1.0, 0.5, -1.0]
W = [1.0, 2.0, 0.5]

CONFIGS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    "sgd_dampening_wd": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: torch.optim.Adam(p, lr=0.01),
    "adam_amsgrad": lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True),
    "adam_wd_betas": lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
}


def loss(p):
    t = torch.tensor(T)
    w = torch.tensor(W)
    return (w * (p - t) ** 2).sum() + torch.tanh(p[0] * p[1])


def main():
    out = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "optim_torch.csv")
    with open(out, "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["config", "step", "p0", "p1", "p2"])
        for name, make in CONFIGS.items():
            p = torch.tensor(P0, requires_grad=True)
            opt = make([p])
            for step in range(1, 7):
                opt.zero_grad()
                loss(p).backward()
                opt.step()
                wr.writerow([name, step] + [repr(v) for v in p.detach().tolist()])
    print(f"wrote {out} with torch {torch.__version__}")


if __name__ == "__main__":
    main()
