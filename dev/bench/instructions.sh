#!/usr/bin/env bash
# Instruction counts of the benchmark workloads (BENCHMARKS.md, "Noise and code layout"):
# issue 10's ratios (workloads W1 and W2 rebuilt against the flat-arena reference, and W2
# replay against W2 rebuilt) and, with `all`, every row of workloads W1–W5.
#
# Time ratios on a 2-core VM move with the code layout of each build: the same reference
# source ran W1 in 0.38 ms in one build and 1.05 ms in another. Instructions executed do not
# depend on layout, so this is the figure to compare before and after a change. Each workload
# runs once under callgrind (`bench WORKLOAD --reps 1`), and each row is the inclusive count of
# its own never-inlined function in `dev/bench/main.rs` (w1_reference_once, w1_rebuilt_once,
# w1_fused_once, w2_reference_once, w2_rebuilt_once, w2_replay_once, w2_fused_once,
# w2_fused_replay_once, w3_body and w4_body (three runs each: cold, warm-up, warm),
# w5_rebuilt_once, w5_fused_once), plus the optimizer's `step` inside W1, W2 and W5.
#
# Usage: dev/bench/instructions.sh [all]      (needs valgrind; under a minute)
#   BENCH=path/to/bench dev/bench/instructions.sh all   counts that binary instead of building
#   one: save a build's target/release/bench, change the code, build again, and compare.
# Nothing in CI runs this script.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v valgrind >/dev/null || {
    echo "instructions: valgrind is not installed (Debian: apt-get install valgrind)" >&2
    exit 1
}
workloads=(w1 w2)
[ "${1:-}" = all ] && workloads=(w1 w2 w3 w4 w5)
bin=${BENCH:-}
if [ -z "$bin" ]; then
    nice -n 10 cargo build --release -p scalargrad-dev --bin bench --quiet
    bin=target/release/bench
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for w in "${workloads[@]}"; do
    valgrind --tool=callgrind --callgrind-out-file="$out/cg-$w" "$bin" "$w" --reps 1 >/dev/null 2>&1 || {
        echo "instructions: bench $w failed under valgrind" >&2
        exit 1
    }
    callgrind_annotate --inclusive=yes --threshold=100 "$out/cg-$w" >"$out/$w.txt"
done

# count WORKLOAD FUNCTION: the instructions executed inside bench::FUNCTION (inclusive).
count() {
    awk -v f=":bench::$2 " '
        index($0, f) { gsub(",", "", $1); print $1; found = 1; exit }
        END { if (!found) print "?" }' "$out/$1.txt"
}
# step WORKLOAD: the instructions of the optimizer's step inside WORKLOAD.
step() {
    awk '/as scalargrad::optim::Optimizer>::step / { gsub(",", "", $1); print $1; found = 1; exit }
        END { if (!found) print "?" }' "$out/$1.txt"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

w1_ref=$(count w1 w1_reference_once)
w1=$(count w1 w1_rebuilt_once)
w2_ref=$(count w2 w2_reference_once)
w2=$(count w2 w2_rebuilt_once)
w2_replay=$(count w2 w2_replay_once)
w2_fused_replay=$(count w2 w2_fused_replay_once)
echo "INSTRUCTIONS workload=w1 reference=$w1_ref scalargrad=$w1 ratio=$(ratio "$w1" "$w1_ref") target<=1.25"
echo "INSTRUCTIONS workload=w2 reference=$w2_ref scalargrad=$w2 ratio=$(ratio "$w2" "$w2_ref") target<=1.25"
echo "INSTRUCTIONS workload=w2-replay rebuilt=$w2 replay=$w2_replay ratio=$(ratio "$w2_replay" "$w2") target<=0.60"
echo "INSTRUCTIONS workload=w2-fused-replay rebuilt=$w2 replay=$w2_fused_replay ratio=$(ratio "$w2_fused_replay" "$w2")"
[ "${1:-}" = all ] || exit 0
row() { echo "COUNT row=$1 instructions=$2"; }
row w1-reference "$w1_ref"
row w1 "$w1"
row w1-fused "$(count w1 w1_fused_once)"
row w1-sgd-step "$(step w1)"
row w2-reference "$w2_ref"
row w2 "$w2"
row w2-replay "$w2_replay"
row w2-fused "$(count w2 w2_fused_once)"
row w2-fused-replay "$w2_fused_replay"
row w2-adam-step "$(step w2)"
row w3-3runs "$(count w3 w3_body)"
row w4-3runs "$(count w4 w4_body)"
row w5 "$(count w5 w5_rebuilt_once)"
row w5-fused "$(count w5 w5_fused_once)"
row w5-adam-step "$(step w5)"
