#!/usr/bin/env python3
"""Pin PyTorch's training of the digits network for tests/digits.rs.

The network of examples/digits_train.rs: nn.Linear(64, 32) -> tanh -> nn.Linear(32, 10),
float64, initial weights from torch.manual_seed(0); softmax cross-entropy (mean over the
batch, F.cross_entropy) and torch.optim.Adam(lr=0.01) on mini-batches of 32 rows of
sample_data/digits.csv (pixels / 16), 200 steps. The batches come from
numpy.random.default_rng(0): a fresh permutation of all 1,797 rows per epoch, cut into
batches of 32 (the last, shorter one included).

Writes tests/data/digits_torch.json: the initial weights (PyTorch layout, out x in), the
batches (row indices), and the loss of every step before its update; floats as repr().
Run: pip install torch numpy; python3 scripts/gen_digits_fixtures.py  (CI never runs it.)
"""
import csv
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
HIDDEN = 32
BATCH = 32
STEPS = 200
LR = 0.01


def main():
    here = os.path.dirname(__file__)
    with open(os.path.join(here, "..", "sample_data", "digits.csv")) as f:
        rows = list(csv.reader(f))[1:]
    x = torch.tensor([[float(v) / 16.0 for v in r[:64]] for r in rows])
    y = torch.tensor([int(r[64]) for r in rows])

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, HIDDEN), torch.nn.Tanh(), torch.nn.Linear(HIDDEN, 10))
    init = {k: v.detach().tolist() for k, v in model.state_dict().items()}
    opt = torch.optim.Adam(model.parameters(), lr=LR)

    rng = np.random.default_rng(0)
    batches = []
    while len(batches) < STEPS:
        perm = rng.permutation(len(rows))
        batches += [perm[i:i + BATCH].tolist() for i in range(0, len(perm), BATCH)]
    batches = batches[:STEPS]

    losses = []
    for b in batches:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[b]), y[b])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    out = os.path.join(here, "..", "tests", "data", "digits_torch.json")
    with open(out, "w") as f:
        json.dump(
            {
                "torch": torch.__version__.split("+")[0],
                "hidden": HIDDEN,
                "lr": LR,
                "init": {
                    "w1": init["0.weight"],
                    "b1": init["0.bias"],
                    "w2": init["2.weight"],
                    "b2": init["2.bias"],
                },
                "batches": batches,
                "losses": losses,
                "final_b2": model[2].bias.detach().tolist(),
            },
            f,
            separators=(",", ":"),
        )
        f.write("\n")
    print(f"wrote {os.path.normpath(out)}: {STEPS} steps, loss {losses[0]!r} -> {losses[-1]!r}")


if __name__ == "__main__":
    main()
