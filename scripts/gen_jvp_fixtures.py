#!/usr/bin/env python3
"""Pin torch.func.jvp and torch.autograd.functional.jacobian for tests/jvp.rs.

Writes tests/data/jvp_torch.json:
- "point", "tangent": the inputs (x, y, z) and the tangent every expression is pushed along;
- "expressions": for each expression (one or more per scalargrad op; tests/jvp.rs writes the
  same expressions with Values, under the same names): its value, the tangent output of
  torch.func.jvp(f, (p,), (t,)) (first order) and of torch.func.jvp(torch.func.grad(f), (p,),
  (t,)), which is H·t (second order, forward-over-reverse);
- "softmax": torch.autograd.functional.jacobian(torch.softmax) over 3 inputs;
- "tutorial": for each XOR row x, the Jacobian of the tutorial network's 2 outputs
  sigmoid(x @ W1) @ W2 with respect to its 16 weights (W1 2x4 then W2 4x2, row by row, the
  layout of scripts/gen_hessian_fixture.py) at the tutorial's initial weights
  (sample_data/reference/xor_adam_amsgrad.json).
Run: pip install torch --index-url https://download.pytorch.org/whl/cpu
     python3 scripts/gen_jvp_fixtures.py
CI never runs this script; the JSON is committed. Floats are written by json (repr), so Rust
reads the exact float64.
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)


def step(u):
    # scalargrad's step: 0 where u <= 0, else 1; derivative 0 (a constant to autograd).
    return (u > 0).to(torch.float64)


def dot(bias, a, c):
    # scalargrad's Graph::dot: ((b + a0 c0) + a1 c1) + ...
    acc = bias
    for ak, ck in zip(a, c):
        acc = acc + ak * ck
    return acc


# name -> f(x, y, z); the same names and formulas are in tests/jvp.rs.
EXPRESSIONS = {
    "neg": lambda x, y, z: -(x * y) * z,
    "exp": lambda x, y, z: torch.exp(x * y + z) * x,
    "ln": lambda x, y, z: torch.log(x * x + z) * y,
    "tanh": lambda x, y, z: torch.tanh(x * y + z) * x,
    "relu": lambda x, y, z: torch.relu(x * z - y) * x + torch.relu(y) * z,
    "sigmoid": lambda x, y, z: torch.sigmoid(x * y + z) * z,
    "sqrt": lambda x, y, z: torch.sqrt(x * x + z) * y,
    "abs": lambda x, y, z: torch.abs(x * y) * z,
    "sign": lambda x, y, z: torch.sign(x * y) * z * x,
    "step": lambda x, y, z: step(x + z) * y * y + step(y) * x,
    "add_const": lambda x, y, z: (x * y + 1.5) * z,
    "sub_const": lambda x, y, z: (x * y - 1.5) * z,
    "const_sub": lambda x, y, z: (1.5 - x * y) * z * z,
    "mul_const": lambda x, y, z: (x * y * -2.5) * z,
    "div_const": lambda x, y, z: (x * y / 4.0) * z,
    "const_div": lambda x, y, z: 2.0 / (x * y) + z,
    "powf": lambda x, y, z: (x * x + z) ** 2.5 * y,
    "powi": lambda x, y, z: (x * y + z) ** 3 * x,
    "powi_negative": lambda x, y, z: (x + z) ** -2 * y,
    "add": lambda x, y, z: (x + y) * (y + z),
    "sub": lambda x, y, z: (x - y) * (z - x),
    "mul": lambda x, y, z: x * y * z,
    "div": lambda x, y, z: x / (y * z),
    "dot": lambda x, y, z: dot(z, [x, y, x], [y, z, x]) * x,
    "dot_no_bias": lambda x, y, z: torch.tanh(dot(0.0, [x, y], [z, x])),
    "neuron": lambda x, y, z: torch.tanh(dot(0.25, [x, y, z], [z, x, y]))
    * torch.sigmoid(dot(-0.5, [y, z], [x, x])),
}


def main():
    here = os.path.dirname(__file__)
    point = torch.tensor([0.7, -1.3, 0.4])
    tangent = torch.tensor([0.3, -0.8, 1.1])
    expressions = {}
    for name, f in EXPRESSIONS.items():
        fv = lambda p, f=f: f(p[0], p[1], p[2])
        value, first = torch.func.jvp(fv, (point,), (tangent,))
        _, second = torch.func.jvp(torch.func.grad(fv), (point,), (tangent,))
        expressions[name] = {
            "value": value.item(),
            "jvp": first.item(),
            "jvp_of_grad": second.tolist(),
        }

    logits = torch.tensor([0.5, -1.25, 2.0])
    softmax_j = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, 0), logits)

    ref = json.load(open(os.path.join(here, "..", "sample_data", "reference", "xor_adam_amsgrad.json")))
    w1 = torch.tensor(ref["init"]["W1_in_out"])
    w2 = torch.tensor(ref["init"]["W2_in_out"])
    w = torch.cat([w1.reshape(-1), w2.reshape(-1)])
    tutorial = []
    for row in ref["X"]:
        x = torch.tensor(row, dtype=torch.float64)
        net = lambda w, x=x: torch.sigmoid(x @ w[:8].reshape(2, 4)) @ w[8:].reshape(4, 2)
        tutorial.append(
            {
                "x": row,
                "outputs": net(w).tolist(),
                "jacobian": torch.autograd.functional.jacobian(net, w).tolist(),
            }
        )

    out = os.path.join(here, "..", "tests", "data", "jvp_torch.json")
    with open(out, "w") as f:
        json.dump(
            {
                "source": "scripts/gen_jvp_fixtures.py, torch " + torch.__version__ + ", float64",
                "point": point.tolist(),
                "tangent": tangent.tolist(),
                "expressions": expressions,
                "softmax": {"logits": logits.tolist(), "jacobian": softmax_j.tolist()},
                "tutorial": {"weights": w.tolist(), "rows": tutorial},
            },
            f,
            indent=1,
        )
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
