#!/bin/sh
# CPU time per render of bench/template/templates/page.html: Python Tornado vs this crate.
#
# Uses `perf stat` task-clock (CPU time actually spent by the process), and subtracts a run
# with zero renders to remove start-up and compilation, so the figures stay meaningful on a
# busy machine where wall-clock benchmarks are not. Needs perf, python3 + tornado 6.3.3.
#
#   sh bench/template/compare.sh [renders]
set -eu
cd "$(dirname "$0")/../.."
N=${1:-2000}
cargo bench --bench template --no-run >/dev/null 2>&1
BIN=$(ls -t target/release/deps/template-* | grep -v '\.d$' | head -1)

cpu_ms() { # prints task-clock in ms of the given command
    perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'
}

py0=$(cpu_ms python3 bench/template/bench_tornado.py --renders 0)
pyn=$(cpu_ms python3 bench/template/bench_tornado.py --renders "$N")
rs0=$(TORNADO_TEMPLATE_RENDERS=0 cpu_ms "$BIN")
rsn=$(TORNADO_TEMPLATE_RENDERS=$((N * 10)) cpu_ms "$BIN")
awk -v n="$N" -v py0="$py0" -v pyn="$pyn" -v rs0="$rs0" -v rsn="$rsn" 'BEGIN {
    py = (pyn - py0) * 1000 / n; rs = (rsn - rs0) * 1000 / (n * 10);
    printf "tornado (python): %8.1f us CPU per render\n", py;
    printf "tornado-rs:       %8.1f us CPU per render\n", rs;
    printf "ratio:            %8.1fx\n", py / rs;
}'
