#!/usr/bin/env bash
# The instruction counts moved with the benchmarks to dev/bench/ (see BENCHMARKS.md); this
# path stays because the developers' guide and older notes name it.
exec "$(dirname "$0")/../dev/bench/instructions.sh" "$@"
