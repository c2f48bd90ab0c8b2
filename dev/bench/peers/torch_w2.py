"""W2 'xor' in PyTorch (CPU, one thread, float64, batched over the 4 samples): total seconds.

The tutorial's 2-4-2 network of BENCHMARKS.md with the W2 initial weights, no biases:
h = sigmoid(X W1ᵀ), o = h W2ᵀ, softmax then cross-entropy without max-subtraction, the mean
over the 4 samples, `torch.optim.Adam(lr=0.001, amsgrad=True)`, 10,000 full-batch epochs.
The clock covers the epochs.

Run: `python dev/bench/peers/torch_w2.py [--reps N] [--epochs N]`. With fewer than 10,000
epochs (a quick check) only the epoch-0 loss is checked, and the time is extrapolated to
10,000 epochs (the line then says `extrapolated_from=N`).
"""

import time

import torch

from common import args, check, numbers, result, sci

LOSS0, LOSS_LAST = 7.103683591605e-01, 1.373942350372e-02
EPOCHS = 10_000


def once(init, epochs):
    """`epochs` epochs; returns (seconds, loss at epoch 0, loss at the last epoch)."""
    w1 = torch.tensor(init[:8], dtype=torch.float64).reshape(4, 2).requires_grad_()
    w2 = torch.tensor(init[8:], dtype=torch.float64).reshape(2, 4).requires_grad_()
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 0])
    rows = torch.arange(4)
    opt = torch.optim.Adam([w1, w2], lr=0.001, betas=(0.9, 0.999), eps=1e-8, amsgrad=True)
    first = last = None
    start = time.perf_counter()
    for epoch in range(epochs):
        h = torch.sigmoid(x @ w1.t())
        e = torch.exp(h @ w2.t())
        p = e[rows, y] / e.sum(dim=1)
        loss = -torch.log(p).sum() * 0.25
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch == 0:
            first = loss.item()
    last = loss.item()
    return time.perf_counter() - start, first, last


def main():
    a = args(__doc__.splitlines()[0], epochs=EPOCHS)
    torch.set_num_threads(1)
    init = numbers("w2_init.txt", 16)
    runs = [once(init, a.epochs) for _ in range(a.reps)]
    _, l0, ll = runs[-1]
    check("W2 loss at epoch 0", l0, LOSS0, 1e-10)
    extra = f"loss0={sci(l0)} loss_last={sci(ll)}"
    if a.epochs == EPOCHS:
        check("W2 loss at epoch 9,999", ll, LOSS_LAST, 1e-10)
    else:
        extra += f" extrapolated_from={a.epochs}"
    result(
        "pytorch-batched", "w2", "s_total", [r[0] for r in runs], 1480000,
        f"{extra} torch={torch.__version__}", scale=EPOCHS / a.epochs,
    )


if __name__ == "__main__":
    main()
