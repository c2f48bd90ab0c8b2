"""Turn `RESULT` lines (from `dev/bench/main.rs` and the peers here) into a Markdown table.

Rows are engines (and scalargrad's variants), columns the four workloads; each cell is the
median and its ratio to scalargrad's rebuilt (cold) row on the same workload: the engine's
median divided by scalargrad's, so above 1× is slower than scalargrad. Partial runs (fewer
steps or epochs than the workload, or a smaller graph) are marked †. Standard library only.

Run: `python dev/bench/peers/table.py RESULTS_FILE [header line ...]`; prints the header lines,
the table, and the `RATIO` lines of `dev/bench/main.rs` as a list.
"""

import sys

WORKLOADS = [
    ("w1", "W1 moons, s/step"),
    ("w2", "W2 xor, s total"),
    ("w3", "W3 chain, ns/op node"),
    ("w4", "W4 wide, ns/op node"),
]
ENGINES = {
    "scalargrad": "**scalargrad** (one node per op, rebuilt every step)",
    "reference-arena": "Rust flat arena, reference (`dev/bench/main.rs`)",
    "pytorch-batched": "PyTorch CPU, 1 thread, batched tensors",
    "pytorch-scalar": "PyTorch CPU, 1 thread, one 0-d tensor per number",
    "micrograd": "micrograd 0.1.0 (Python)",
}
VARIANTS = {
    "fused": "fused neurons",
    "replay": "replay",
    "fused-replay": "fused + replay",
    "warm": "warm (storage reused)",
    "threads": "data-parallel on 2 threads",
    "grad": "gradient built as a graph (`grad`)",
}
PARTIAL = ("extrapolated_from=", "steps=", "links=", "size=")


def parse(lines):
    """{(engine, variant): {workload: (value, partial)}} in first-seen order."""
    rows = {}
    for line in lines:
        if not line.startswith("RESULT "):
            continue
        f = dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)
        base, _, variant = f["workload"].partition("-")
        partial = any(p in line for p in PARTIAL)
        rows.setdefault((f["engine"], variant), {})[base] = (float(f["value"]), partial)
    return rows


def seconds(x):
    """A duration with a readable unit (chosen after rounding to 3 digits: 999.6 µs is 1 ms,
    not "1e+03 µs")."""
    if x >= 0.9995:
        return f"{x:.3g} s"
    if x >= 0.9995e-3:
        return f"{x * 1e3:.3g} ms"
    return f"{x * 1e6:.3g} µs"


def ratio(r):
    """A ratio with about three significant digits, thousands separated."""
    if r >= 100:
        return f"{r:,.0f}×"
    return f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def cell(w, value, partial, base):
    if w in ("w3", "w4"):
        text = f"{value:,.0f} ns" if value >= 1000 else f"{value:.1f} ns"
    else:
        text = seconds(value)
    if partial:
        text += " †"
    if base:
        text += f" ({ratio(value / base)})"
    return text


def label(engine, variant):
    name = ENGINES.get(engine, engine)
    if variant:
        name = f"{'scalargrad' if engine == 'scalargrad' else name}, {VARIANTS.get(variant, variant)}"
    return name


def table(rows):
    base = {w: v[0] for w, v in rows.get(("scalargrad", ""), {}).items()}
    order = list(ENGINES)
    keys = sorted(rows, key=lambda k: (order.index(k[0]) if k[0] in order else len(order), k[1] != ""))
    out = ["| engine | " + " | ".join(t for _, t in WORKLOADS) + " |", "|---" * (len(WORKLOADS) + 1) + "|"]
    for key in keys:
        cells = [cell(w, *rows[key][w], base.get(w)) if w in rows[key] else "—" for w, _ in WORKLOADS]
        out.append(f"| {label(*key)} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: table.py RESULTS_FILE [header line ...]")
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.read().splitlines()
    rows = parse(lines)
    ratios = [l.split(" ", 1)[1] for l in lines if l.startswith("RATIO ")]
    if ("scalargrad", "") not in rows:
        sys.exit(f"{sys.argv[1]}: no RESULT line from scalargrad's rebuilt rows")
    for h in sys.argv[2:]:
        print(h)
    print()
    print(table(rows))
    print()
    print(
        "Medians of in-process repetitions; (n×) = the engine's median ÷ scalargrad's rebuilt "
        "(cold) median on the same workload, so above 1× is slower. "
        "† = partial run (fewer steps or epochs, extrapolated, or a smaller graph): see the RESULT lines."
    )
    if ratios:
        print()
        print("`dev/bench/main.rs`'s own ratios in this run (interleaved repetitions):")
        print()
        for r in ratios:
            print(f"- `{r}`")


if __name__ == "__main__":
    main()
