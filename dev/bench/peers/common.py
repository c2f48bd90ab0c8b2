"""Shared helpers for the Python peers of the benchmark workloads (BENCHMARKS.md).

Standard library only. Each peer reads the same input files as `dev/bench/main.rs`
(`benches/data/`), times inside the process (start-up, imports and file reading are outside
the clock) and prints one `RESULT ...` line in the format of `dev/bench/main.rs`.
"""

import argparse

import statistics
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "benches" / "data"


def args(description, default_reps=3, **extra):
    """Parse `--reps N` plus any `--name N` given in `extra` (name -> default int)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--reps", type=int, default=default_reps, help="in-process repetitions")
    for name, default in extra.items():
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    if a.reps < 1:
        p.error("--reps takes a positive whole number")
    return a


def moons():
    """The 100 W1 points as (xs, ys): xs a list of (x0, x1), ys a list of -1.0 / +1.0."""
    lines = (DATA / "moons.csv").read_text().splitlines()
    assert lines[0] == "x0,x1,y", f"{DATA / 'moons.csv'}: unexpected header {lines[0]!r}"
    xs, ys = [], []
    for n, line in enumerate(lines[1:], start=2):
        f = [float(c) for c in line.split(",")]
        assert len(f) == 3, f"{DATA / 'moons.csv'} line {n}: expected 3 fields, found {len(f)}"
        xs.append((f[0], f[1]))
        ys.append(f[2])
    return xs, ys


def numbers(name, count):
    """The numbers of a one-per-line file in benches/data, checking how many there are."""
    path = DATA / name
    out = [float(l) for l in path.read_text().split()]
    assert len(out) == count, f"{path}: expected {count} numbers, found {len(out)}"
    return out


def sci(x):
    """`%.12e`, the form the check values are written in."""
    return f"{x:.12e}"


def check(what, got, want, rel):
    """Assert that `got` is within `rel` (relative) of the check value `want`."""
    err = abs(got - want) / abs(want)
    assert err <= rel, f"{what}: got {sci(got)}, want {sci(want)} (relative error {err:.2e} > {rel:.0e})"


def result(engine, workload, metric, reps, ops, extra="", scale=1.0):
    """Print the RESULT line; `value` is the median of `reps` (each multiplied by `scale`)."""
    vals = [r * scale for r in reps]
    digits = 3 if metric == "ns_per_node" else 7
    value = f"{statistics.median(vals):.3f}" if metric == "ns_per_node" else f"{statistics.median(vals):.6e}"
    line = (
        f"RESULT engine={engine} workload={workload} metric={metric} value={value} ops={ops} "
        f"reps={','.join(f'{v:.{digits}f}' for v in vals)}"
    )
    print(f"{line} {extra}".rstrip(), flush=True)
