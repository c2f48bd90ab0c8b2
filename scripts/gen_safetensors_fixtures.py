#!/usr/bin/env python3
"""Safetensors fixtures written by PyTorch itself, and a checker for the files scalargrad writes.

Generate (commit the outputs; CI never runs this):
    pip install torch safetensors numpy
    python3 scripts/gen_safetensors_fixtures.py

  sample_data/reference/xor_init_torch.safetensors
      The tutorial's initial weights: torch.manual_seed(0), then its NN(2, 4, 2) as the
      equivalent nn.Sequential(Linear(2,4,bias=False), Sigmoid(), Linear(4,2,bias=False)), saved
      in float32 as PyTorch made them, with save_file(model.state_dict(), ...). No scalargrad
      metadata: this is how a PyTorch user shares weights. Checked equal to the `init` of
      sample_data/reference/xor_adam_amsgrad.json.
  tests/data/mlp_torch.safetensors, tests/data/mlp_torch_outputs.csv
      A float64 nn.Sequential 3 -> 5 (tanh) -> 4 (relu) -> 4 (sigmoid) -> 2 with biases
      (torch.manual_seed(1)), with the architecture in scalargrad's metadata keys, and its
      outputs on fixed inputs (floats as repr(), exact).

Check a model scalargrad wrote (tests/safetensors.rs runs this when python3 is there):
    python3 scripts/gen_safetensors_fixtures.py check DIR
  DIR holds model.safetensors and model.py (Mlp::save_safetensors_with, python: true) and
  expected.csv (inputs x*, scalargrad's outputs y*). Reads the file with the safetensors
  package, then, if torch is installed, runs model.py (the printed nn.Sequential and its
  load_state_dict line) and compares its outputs with scalargrad's to 1e-12.
  Exit status: 0 checked, 1 mismatch, 3 a package is missing (the caller skips loudly).
"""
import csv
import json
import os
import runpy
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
INPUTS = [
    [0.0, 0.0, 0.0],
    [1.0, -2.0, 0.5],
    [0.3, 0.7, -1.1],
    [-3.0, 2.5, 4.0],
    [10.0, -10.0, 0.001],
]


def generate():
    import torch
    from torch import nn
    from safetensors.torch import save_file

    # The tutorial's model, as nn.Sequential: the same modules created in the same order, so
    # torch.manual_seed(0) gives the same weights as its NN class (l1, a, l2).
    torch.manual_seed(0)
    xor = nn.Sequential(nn.Linear(2, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 2, bias=False))
    with open(os.path.join(ROOT, "sample_data/reference/xor_adam_amsgrad.json")) as f:
        init = json.load(f)["init"]
    assert xor[0].weight.tolist() == init["l1_weight_out_in"], "not the tutorial's init"
    assert xor[2].weight.tolist() == init["l2_weight_out_in"], "not the tutorial's init"
    out = os.path.join(ROOT, "sample_data/reference/xor_init_torch.safetensors")
    save_file(xor.state_dict(), out, metadata={"format": "pt"})
    print(f"wrote {out}")

    torch.manual_seed(1)
    mlp = nn.Sequential(
        nn.Linear(3, 5), nn.Tanh(),
        nn.Linear(5, 4), nn.ReLU(),
        nn.Linear(4, 4), nn.Sigmoid(),
        nn.Linear(4, 2),
    ).double()
    meta = {
        "format": "pt",
        "scalargrad.sizes": "3,5,4,4,2",
        "scalargrad.activations": "tanh,relu,sigmoid,identity",
        "scalargrad.bias": "true,true,true,true",
    }
    out = os.path.join(ROOT, "tests/data/mlp_torch.safetensors")
    save_file(mlp.state_dict(), out, metadata=meta)
    print(f"wrote {out}")
    with torch.no_grad():
        y = mlp(torch.tensor(INPUTS, dtype=torch.float64))
    out = os.path.join(ROOT, "tests/data/mlp_torch_outputs.csv")
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["x0", "x1", "x2", "y0", "y1"])
        for x, yy in zip(INPUTS, y.tolist()):
            w.writerow([repr(v) for v in x + yy])
    print(f"wrote {out} with torch {torch.__version__}")


def check(directory):
    try:
        from safetensors import safe_open
    except ImportError:
        print("SKIP: the safetensors package is not installed (pip install safetensors)")
        return 3
    weights = os.path.join(directory, "model.safetensors")
    with safe_open(weights, framework="numpy") as f:
        meta = f.metadata()
        names = sorted(f.keys())
        shapes = {k: list(f.get_tensor(k).shape) for k in names}
    sizes = [int(s) for s in meta["scalargrad.sizes"].split(",")]
    acts = meta["scalargrad.activations"].split(",")
    bias = [b == "true" for b in meta["scalargrad.bias"].split(",")]
    want, index = {}, 0
    for k, act in enumerate(acts):
        want[f"{index}.weight"] = [sizes[k + 1], sizes[k]]
        if bias[k]:
            want[f"{index}.bias"] = [sizes[k + 1]]
        index += 1 if act == "identity" else 2
    if shapes != want:
        print(f"MISMATCH: tensors {shapes}, the metadata implies {want}")
        return 1
    print(f"safetensors read {weights}: {shapes}, metadata {meta}")

    try:
        import torch
    except ImportError:
        print("SKIP: torch is not installed (pip install torch): only the safetensors read was checked")
        return 3
    model = runpy.run_path(os.path.join(directory, "model.py"))["model"]
    with open(os.path.join(directory, "expected.csv")) as f:
        rows = list(csv.DictReader(f))
    xs = [[float(r[c]) for c in r if c.startswith("x")] for r in rows]
    ys = [[float(r[c]) for c in r if c.startswith("y")] for r in rows]
    with torch.no_grad():
        got = model(torch.tensor(xs, dtype=torch.float64)).tolist()
    worst = max(abs(a - b) / max(1.0, abs(b)) for g, e in zip(got, ys) for a, b in zip(g, e))
    print(f"torch {torch.__version__}: model.py loaded the weights; outputs differ from scalargrad's by at most {worst:.1e}")
    return 0 if worst < 1e-12 else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    generate()
