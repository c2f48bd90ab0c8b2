#!/usr/bin/env python3
"""Pin the Hessian of the tutorial's XOR loss with respect to all 16 weights.

The network and the initial weights are the tutorial's PyTorch ones, from
sample_data/reference/xor_adam_amsgrad.json (torch.manual_seed(0), float32 weights read as
float64): y = sigmoid(X @ W1) @ W2, W1 2x4 and W2 4x2 without bias, loss
nn.CrossEntropyLoss() (mean over the 4 rows) with class targets [0, 1, 0, 1].
The 16 weights are ordered W1 row by row, then W2 row by row ([in, out] layout).

Writes tests/data/xor_hessian_torch.json (loss, gradient, 16x16 Hessian from
torch.autograd.functional.hessian), read by tests/hessian.rs.
Run: pip install torch; python3 scripts/gen_hessian_fixture.py
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)


def main():
    here = os.path.dirname(__file__)
    ref = json.load(open(os.path.join(here, "..", "sample_data", "reference", "xor_adam_amsgrad.json")))
    x = torch.tensor(ref["X"], dtype=torch.float64)
    classes = torch.tensor(ref["targets_class_index"])
    w1 = torch.tensor(ref["init"]["W1_in_out"])
    w2 = torch.tensor(ref["init"]["W2_in_out"])
    w = torch.cat([w1.reshape(-1), w2.reshape(-1)])

    def loss(w):
        y = torch.sigmoid(x @ w[:8].reshape(2, 4)) @ w[8:].reshape(4, 2)
        return torch.nn.functional.cross_entropy(y, classes)

    wg = w.clone().requires_grad_(True)
    l = loss(wg)
    (grad,) = torch.autograd.grad(l, wg)
    h = torch.autograd.functional.hessian(loss, w)
    out = os.path.join(here, "..", "tests", "data", "xor_hessian_torch.json")
    with open(out, "w") as f:
        json.dump(
            {
                "source": "scripts/gen_hessian_fixture.py, torch " + torch.__version__ + ", float64",
                "weights": w.tolist(),
                "loss": l.item(),
                "gradient": grad.tolist(),
                "hessian": h.tolist(),
            },
            f,
            indent=1,
        )
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
