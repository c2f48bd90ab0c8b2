#!/usr/bin/env bash
# One side-by-side run of the benchmark workloads (BENCHMARKS.md, "Side by side") on this
# machine: scalargrad's `dev/bench/main.rs` (with its flat-arena reference rows), then the
# Python peers in dev/bench/peers/ (PyTorch CPU on one thread, micrograd 0.1.0). Prints a
# Markdown table (engine × workload, medians, ratios to scalargrad's rebuilt row) headed with
# the date, CPU, rustc and torch versions, and writes it to target/side_by_side.md (the raw
# RESULT lines go to target/side_by_side.txt).
#
# Usage: dev/bench/side_by_side.sh [--quick] [--reps N]
#   --reps N   in-process repetitions for scalargrad and PyTorch W1/W2 (default 7)
#   --quick    a smoke test, minutes not figures: 1 repetition, partial Python runs (marked †)
#
# Python: a local venv .venv-bench/ (git-ignored) is created on first use with torch, numpy
# and micrograd; set BENCH_PYTHON=/path/to/python to use an interpreter that has them instead.
# Nothing in CI runs this script.
set -euo pipefail
cd "$(dirname "$0")/../.."

quick=0
reps=7
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --reps)
            reps="${2:-}"
            shift
            [[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "side_by_side: --reps takes a positive whole number" >&2; exit 2; }
            ;;
        *) echo "side_by_side: unknown argument '$1'; usage: dev/bench/side_by_side.sh [--quick] [--reps N]" >&2; exit 2 ;;
    esac
    shift
done
[ "$quick" = 1 ] && reps=1

# ---------------------------------------------------------------- Python environment
if [ -n "${BENCH_PYTHON:-}" ]; then
    py="$BENCH_PYTHON"
else
    py=.venv-bench/bin/python
    [ -x "$py" ] || python3 -m venv .venv-bench
    if ! "$py" -c 'import torch, numpy, micrograd' 2>/dev/null; then
        echo "side_by_side: installing torch, numpy, micrograd into .venv-bench/ (once)" >&2
        # CPU wheels are much smaller; fall back to the default index where that one is unreachable.
        .venv-bench/bin/pip install --quiet --timeout 20 --retries 1 torch \
            --index-url https://download.pytorch.org/whl/cpu ||
            .venv-bench/bin/pip install --quiet torch
        .venv-bench/bin/pip install --quiet numpy micrograd==0.1.0
    fi
fi
"$py" -c 'import torch, micrograd' || { echo "side_by_side: $py lacks torch or micrograd" >&2; exit 1; }

# ---------------------------------------------------------------- the header
python_versions() {
    "$py" - <<'PY'
import platform
from importlib.metadata import version

import torch

print(f"Python {platform.python_version()}, torch {torch.__version__} (1 thread), micrograd {version('micrograd')}")
PY
}
mkdir -p target
raw=target/side_by_side.txt
md=target/side_by_side.md
cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
header=(
    "### Side by side, $(date -u '+%Y-%m-%d %H:%M UTC')"
    ""
    "- Machine: ${cpu:-unknown CPU}, $(nproc) logical CPUs; load average at start $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
    "- $(rustc -V); scalargrad $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1), release profile, repetitions: ${reps}"
    "- $(python_versions)"
    "- Command: \`dev/bench/side_by_side.sh $([ "$quick" = 1 ] && echo --quick || echo "--reps $reps")\`"
)
[ "$quick" = 1 ] && header+=("- **Quick run: a smoke test of the script, not figures to quote.**")
printf '%s\n' "${header[@]}" >&2

# ---------------------------------------------------------------- the runs, one after the other
: >"$raw"
run() {
    echo "+ $*" >&2
    "$@" | tee -a "$raw"
}
nice -n 10 cargo build --quiet --release -p scalargrad-dev --bin bench  # outside the clock
start=$SECONDS
run cargo run --quiet --release -p scalargrad-dev --bin bench -- all --reps "$reps"
if [ "$quick" = 1 ]; then
    run "$py" dev/bench/peers/torch_w1.py --reps 1
    run "$py" dev/bench/peers/torch_w2.py --reps 1 --epochs 200
    run "$py" dev/bench/peers/torch_w3.py --reps 1 --links 20000
    run "$py" dev/bench/peers/torch_w4.py --reps 1 --size 20000
    run "$py" dev/bench/peers/micrograd_w1.py --reps 1 --steps 1
    run "$py" dev/bench/peers/micrograd_w2.py --reps 1 --epochs 100
else
    run "$py" dev/bench/peers/torch_w1.py --reps "$reps"
    run "$py" dev/bench/peers/torch_w2.py --reps "$reps"
    run "$py" dev/bench/peers/torch_w3.py --reps 3
    run "$py" dev/bench/peers/torch_w4.py --reps 1
    run "$py" dev/bench/peers/micrograd_w1.py --reps 1 --steps 3
    run "$py" dev/bench/peers/micrograd_w2.py --reps 1
fi
echo "side_by_side: runs took $((SECONDS - start)) s" >&2

"$py" dev/bench/peers/table.py "$raw" "${header[@]}" >"$md"
echo >&2
cat "$md"
echo >&2
echo "side_by_side: table written to $md, RESULT lines to $raw" >&2
