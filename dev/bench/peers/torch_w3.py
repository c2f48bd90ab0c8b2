"""W3 'chain' in PyTorch (CPU, one thread, float64, one 0-d tensor per number): ns per op node.

`x = 0.5; v = x;` 500,000 times `v = tanh(v) * 1.0001`, then `backward`. The clock runs from
creating `x` to the end of backward; freeing the graph is timed apart (`free_ns`). With
`--links N` below 500,000 (a quick check) the check values are skipped (`links=N`).

Run: `python dev/bench/peers/torch_w3.py [--reps N] [--links N]`.
"""

import time

import torch

from common import args, check, result, sci

OUT, DX = 1.732068128191e-02, 1.509836697940e-48
LINKS = 500_000


def once(links):
    """One graph; returns (ns per op node, fwd, bwd, free (ns per op node), v, dv/dx)."""
    t0 = time.perf_counter()
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    v = x
    for _ in range(links):
        v = torch.tanh(v) * 1.0001
    t1 = time.perf_counter()
    v.backward()
    t2 = time.perf_counter()
    out, dx = v.item(), x.grad.item()
    t3 = time.perf_counter()
    del v
    t4 = time.perf_counter()
    n = 2 * links / 1e9
    return (t2 - t0) / n, (t1 - t0) / n, (t2 - t1) / n, (t4 - t3) / n, out, dx


def main():
    a = args(__doc__.splitlines()[0], default_reps=1, links=LINKS)
    torch.set_num_threads(1)
    runs = [once(a.links) for _ in range(a.reps)]
    *_, out, dx = runs[-1]
    extra = f"out={sci(out)} dx={sci(dx)}"
    if a.links == LINKS:
        check("W3 v", out, OUT, 1e-10)
        check("W3 dv/dx", dx, DX, 1e-9)
    else:
        extra += f" links={a.links}"
    med = lambda i: sorted(r[i] for r in runs)[len(runs) // 2]
    extra += f" fwd_ns={med(1):.3f} bwd_ns={med(2):.3f} free_ns={med(3):.3f} torch={torch.__version__}"
    result("pytorch-scalar", "w3", "ns_per_node", [r[0] for r in runs], 2 * a.links, extra)


if __name__ == "__main__":
    main()
