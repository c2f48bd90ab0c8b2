#!/usr/bin/env python3
"""Pin torch.optim.SGD, Adam, Adagrad, RMSprop and AdamW for tests/optim.rs (CPU, float64,
foreach=False).

Two files, both read by tests/optim.rs:

tests/data/optim_torch.csv -- end to end through autograd.
    Loss: L(p) = sum_i w_i * (p_i - t_i)^2 + tanh(p_0 * p_1), p in R^3. For each configuration,
    6 steps from p0; after every step the parameters, as repr(). The test allows 1e-13
    relative (torch's tanh and ours need not round alike).

tests/data/optim_torch_bits.csv -- bit for bit, 300 steps per configuration.
    The gradient is set by hand, so that it is the same bits in torch and in Rust:
        g_k = (p - T) * C + S[k % 7]      (k = 0, 1, ...; elementwise sub, mul, add)
    Each of these is one correctly rounded IEEE operation in both (separate torch kernels,
    no fusion; Rust does not contract). For `maximize` configurations C is negated, so that
    the maximized objective stays bounded. After every step the parameters are written as
    the 16 hex digits of their IEEE-754 bits. Every configuration of an optimizer that takes a
    square root (Adam, Adagrad, RMSprop, AdamW) is run twice: as torch runs it (name), and
    with Tensor.sqrt and Tensor.sqrt_ made correctly rounded (name@exact_sqrt; see exact_sqrt
    below). The test compares SGD and the @exact_sqrt runs exactly, and the plain runs of the
    others to a ULP bound.

torch's CPU kernels (AVX2 here) fuse some operations into one rounding. This script also
probes them on random inputs and refuses to write the fixture if they do not behave as
src/optim mirrors them (see the table in src/optim/mod.rs):
    add(x, y, alpha=a)        = fma(a, y, x)
    lerp(s, e, w), |w| < 0.5  = fma(w, e - s, s);  else fma(w - 1, e - s, e)
    addcmul(x, u, v, value=a) = fma(a*u, v, x)
    addcdiv(x, u, v, value=a) = x + (a*u)/v        (no fma)

Run: pip install torch; python3 scripts/gen_optim_fixtures.py  (CI never runs it.)
Last run: torch 2.15.0 (the PyPI wheel; CPU capability AVX512), which wrote the same bits for
the SGD and Adam rows as 2.15's CPU wheel had on an AVX2 CPU.
"""
import contextlib
import csv
import math
import os
import random
import struct
from fractions import Fraction

import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data")

# ---- end to end (autograd loss), 6 steps -------------------------------------------------
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
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01),
    "rmsprop_centered_momentum": lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.9, centered=True),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.02, weight_decay=0.1),
}


def loss(p):
    t = torch.tensor(T)
    w = torch.tensor(W)
    return (w * (p - t) ** 2).sum() + torch.tanh(p[0] * p[1])


def write_end_to_end():
    out = os.path.join(DATA, "optim_torch.csv")
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
    print(f"wrote {out}")


# ---- bit for bit, hand-set gradients, 300 steps --------------------------------------------
# Keep in sync with tests/optim.rs (BITS_P0, BITS_T, BITS_C, BITS_S).
BITS_P0 = [0.5, -1.25, 2.0, 1e-3]
BITS_T = [1.0, 0.5, -1.0, -3e-4]
BITS_C = [1.0, 2.0, 0.5, 0.25]
BITS_S = [0.125 * (j - 3) for j in range(7)]
BITS_STEPS = 300

SGD, ADAM = torch.optim.SGD, torch.optim.Adam
ADAGRAD, RMSPROP, ADAMW = torch.optim.Adagrad, torch.optim.RMSprop, torch.optim.AdamW
# The optimizers whose update takes a square root: run twice (see exact_sqrt).
WITH_SQRT = (ADAM, ADAGRAD, RMSPROP, ADAMW)
# name -> (class, keyword arguments); the names and arguments are repeated in tests/optim.rs.
BITS_CONFIGS = {
    "sgd": (SGD, dict(lr=0.1)),
    "sgd_wd": (SGD, dict(lr=0.1, weight_decay=0.05)),
    "sgd_momentum": (SGD, dict(lr=0.05, momentum=0.9)),
    "sgd_dampening": (SGD, dict(lr=0.05, momentum=0.8, dampening=0.3)),
    "sgd_nesterov_wd": (SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "sgd_maximize": (SGD, dict(lr=0.05, momentum=0.7, weight_decay=0.01, maximize=True)),
    "adam": (ADAM, dict(lr=0.01)),
    "adam_wd": (ADAM, dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "adam_beta1_low": (ADAM, dict(lr=0.01, betas=(0.3, 0.9))),
    "amsgrad": (ADAM, dict(lr=0.01, amsgrad=True)),
    "amsgrad_wd": (ADAM, dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    "adam_maximize": (ADAM, dict(lr=0.01, weight_decay=0.05, maximize=True)),
    "adagrad": (ADAGRAD, dict(lr=0.1)),
    "adagrad_decay_wd": (ADAGRAD, dict(lr=0.2, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1, eps=1e-6)),
    "adagrad_maximize": (ADAGRAD, dict(lr=0.1, weight_decay=0.02, maximize=True)),
    "rmsprop": (RMSPROP, dict(lr=0.01)),
    "rmsprop_wd_alpha": (RMSPROP, dict(lr=0.005, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    "rmsprop_momentum": (RMSPROP, dict(lr=0.005, momentum=0.9)),
    "rmsprop_centered": (RMSPROP, dict(lr=0.005, alpha=0.95, centered=True)),
    "rmsprop_centered_momentum_maximize": (RMSPROP, dict(lr=0.002, momentum=0.5, centered=True, weight_decay=0.01, maximize=True)),
    "adamw": (ADAMW, dict(lr=0.01)),
    "adamw_wd_betas": (ADAMW, dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "adamw_amsgrad": (ADAMW, dict(lr=0.01, weight_decay=0.05, amsgrad=True)),
    "adamw_maximize": (ADAMW, dict(lr=0.01, betas=(0.3, 0.9), weight_decay=0.02, maximize=True)),
}


def bits(x):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


def fma(a, b, c):
    # Exact product and sum, one rounding (float(Fraction) rounds correctly).
    return float(Fraction(a) * Fraction(b) + Fraction(c))


def probe_kernels():
    """Check that torch's CPU kernels fuse exactly as src/optim assumes, on both the scalar
    tail (3 elements) and the vectorized body (16 elements) of the loops."""
    rng = random.Random(1)

    def r():
        return rng.uniform(-2, 2) * 2.0 ** rng.randint(-3, 3)

    for size in (3, 16):
        for _ in range(100):
            a = [r() for _ in range(size)]
            b = [r() for _ in range(size)]
            c = [abs(r()) + 0.1 for _ in range(size)]
            al = r()
            w = rng.choice([0.1, 0.2, 0.7, 0.999, rng.random()])
            ta, tb, tc = torch.tensor(a), torch.tensor(b), torch.tensor(c)
            add = ta.add(tb, alpha=al).tolist()
            lerp = ta.clone().lerp_(tb, w).tolist()
            acm = ta.clone().addcmul_(tb, tb, value=al).tolist()
            acd = ta.clone().addcdiv_(tb, tc, value=al).tolist()
            for i in range(size):
                x, y, z = a[i], b[i], c[i]
                want_lerp = fma(w, y - x, x) if abs(w) < 0.5 else fma(w - 1, y - x, y)
                assert add[i] == fma(al, y, x), ("add", size)
                assert lerp[i] == want_lerp, ("lerp", size, w)
                assert acm[i] == fma(al * y, y, x), ("addcmul", size)
                assert acd[i] == x + al * y / z, ("addcdiv", size)
    print("torch CPU kernels fuse as expected (capability %s)" % torch.backends.cpu.get_cpu_capability())
    xs = [rng.uniform(0, 3) * 2.0 ** rng.randint(-20, 5) for _ in range(20000)]
    off = sum(a != math.sqrt(x) for a, x in zip(torch.tensor(xs).sqrt().tolist(), xs))
    print("torch.sqrt is not correctly rounded on %d of %d random inputs" % (off, len(xs)))


@contextlib.contextmanager
def exact_sqrt():
    """torch.Tensor.sqrt and sqrt_ replaced by the correctly rounded math.sqrt, elementwise.

    torch.sqrt on this CPU (float64, via MKL) is 1 ULP off on about 1.3% of inputs, which no
    Rust code can mirror without MKL's algorithm. The `@exact_sqrt` configurations run
    torch.optim.Adam, Adagrad, RMSprop and AdamW with this replacement, so that everything
    else in them is checked bit for bit; the plain configurations run the real torch and are
    checked to a ULP bound.
    """
    real = torch.Tensor.sqrt

    def sqrt(self):
        return torch.tensor([math.sqrt(v) for v in self.flatten().tolist()], dtype=self.dtype).reshape(self.shape)

    def sqrt_(self):
        return self.copy_(sqrt(self))

    real_ = torch.Tensor.sqrt_
    torch.Tensor.sqrt = sqrt
    torch.Tensor.sqrt_ = sqrt_  # RMSprop(centered=True) takes the root in place
    try:
        yield
    finally:
        torch.Tensor.sqrt = real
        torch.Tensor.sqrt_ = real_


def write_bits():
    out = os.path.join(DATA, "optim_torch_bits.csv")
    t = torch.tensor(BITS_T)
    with open(out, "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["config", "step"] + ["p%d" % i for i in range(len(BITS_P0))])
        runs = [(name, cls, kw, contextlib.nullcontext) for name, (cls, kw) in BITS_CONFIGS.items()]
        runs += [(name + "@exact_sqrt", cls, kw, exact_sqrt) for name, (cls, kw) in BITS_CONFIGS.items() if cls in WITH_SQRT]
        for name, cls, kw, context in runs:
            sign = -1.0 if kw.get("maximize") else 1.0
            c = torch.tensor([sign * x for x in BITS_C])
            p = torch.tensor(BITS_P0)
            opt = cls([p], foreach=False, **kw)
            for k in range(BITS_STEPS):
                g = (p - t) * c + BITS_S[k % 7]
                # The same in plain Python floats (no fusion), to show the bits are reproducible.
                py = [(pi - ti) * ci + BITS_S[k % 7] for pi, ti, ci in zip(p.tolist(), t.tolist(), c.tolist())]
                assert g.tolist() == py, (name, k)
                p.grad = g
                with context():
                    opt.step()
                wr.writerow([name, k + 1] + [bits(v) for v in p.tolist()])
    print(f"wrote {out}")


def main():
    print(f"torch {torch.__version__}")
    probe_kernels()
    write_end_to_end()
    write_bits()


if __name__ == "__main__":
    main()
