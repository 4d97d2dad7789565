#!/usr/bin/env bash
# kchaos benchmark entry point (bench/README.md); ./dev.sh bench runs it after installing
# haproxy, socat, Java, Maven and building kchaos.
#
#   bench/run.sh [--rounds R] [--quick] [--backends mock,real] [--paths direct,kchaos,...]
#                [--producers librdkafka,java] [--count N] [--latency-count N] [--out FILE]
#
# Builds what is missing (kchaos, the librdkafka producer), installs the peers from the
# registries into ~/.cache/kchaos-bench (KCHAOS_BENCH_CACHE), runs bench/bench.py, which prints
# the report and saves it to bench/results/latest.md, then the metrics micro-benchmark.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
CACHE="${KCHAOS_BENCH_CACHE:-$HOME/.cache/kchaos-bench}"

if [[ ! -x "$ROOT/build/kchaos" || ! -x "$ROOT/build/mock_cluster" ]]; then
    cmake -S "$ROOT" -B "$ROOT/build" -G Ninja >/dev/null
    ninja -C "$ROOT/build" >/dev/null
fi
mkdir -p "$CACHE/bin"
if [[ ! "$CACHE/bin/rdkafka_bench" -nt "$HERE/rdkafka_bench.c" ]]; then
    # shellcheck disable=SC2046
    cc -O2 -Wall -Wextra -o "$CACHE/bin/rdkafka_bench" "$HERE/rdkafka_bench.c" $(pkg-config --cflags --libs rdkafka)
fi
python3 "$HERE/bench.py" "$@"
# Where the per-request cost of the produce metrics lies, in ns (bench/micro.c).
ninja -C "$ROOT/build" bench_micro >/dev/null
echo
echo "**Produce metrics, per operation** (bench/micro.c)"
echo
"$ROOT/build/bench_micro" "$HERE/never-matches.yaml"
