#!/usr/bin/env bash
# Instruction counts of issue 10's ratios (BENCHMARKS.md, "Noise and code layout"): W1 and
# W2 rebuilt against the flat-arena reference, and W2 replay against W2 rebuilt.
#
# Time ratios on a 2-core VM move with the code layout of each build: the same reference
# source ran W1 in 0.38 ms in one build and 1.05 ms in another. Instructions executed do not
# depend on layout, so this is the figure to compare before and after a change. Each row runs
# once under callgrind, counting only inside that row's function (`examples/bench.rs`:
# w1_reference_once, w1_rebuilt_once, w2_reference_once, w2_rebuilt_once, w2_replay_once,
# w2_fused_replay_once).
#
# Usage: scripts/instructions.sh        (needs valgrind; about 2 minutes)
# Nothing in CI runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || {
    echo "instructions: valgrind is not installed (Debian: apt-get install valgrind)" >&2
    exit 1
}
cargo build --release --example bench --quiet
bin=target/release/examples/bench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# count WORKLOAD FUNCTION: instructions executed inside bench::FUNCTION in one repetition.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" \
        --toggle-collect="bench::$2" "$bin" "$1" --reps 1 >/dev/null 2>&1
    callgrind_annotate "$out/cg" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}

w1_ref=$(count w1 w1_reference_once)
w1=$(count w1 w1_rebuilt_once)
w2_ref=$(count w2 w2_reference_once)
w2=$(count w2 w2_rebuilt_once)
w2_replay=$(count w2 w2_replay_once)
w2_fused_replay=$(count w2 w2_fused_replay_once)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "INSTRUCTIONS workload=w1 reference=$w1_ref scalargrad=$w1 ratio=$(ratio "$w1" "$w1_ref") target<=1.25"
echo "INSTRUCTIONS workload=w2 reference=$w2_ref scalargrad=$w2 ratio=$(ratio "$w2" "$w2_ref") target<=1.25"
echo "INSTRUCTIONS workload=w2-replay rebuilt=$w2 replay=$w2_replay ratio=$(ratio "$w2_replay" "$w2") target<=0.60"
echo "INSTRUCTIONS workload=w2-fused-replay rebuilt=$w2 replay=$w2_fused_replay ratio=$(ratio "$w2_fused_replay" "$w2")"
