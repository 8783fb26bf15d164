#!/usr/bin/env bash
# Micro-benchmarks of the hot pieces (issue #8): JWT verify, a member's and an outsider's
# policy check (one SQLite read transaction each), PostgREST query-string parse, 10 rows to
# JSON. Release build; Google Benchmark's own repetitions, medians reported.
#   bench/micro.sh [extra Google Benchmark flags]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_BUILD_TESTS=OFF -DTB_BUILD_BENCH=ON >/dev/null
cmake --build "$root/build/release" -j2 --target micro_bench >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$root/build/release/bench/micro_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_min_time=0.5 "$@" 2>&1 | grep -E "^(Benchmark|-|BM_.*_median)"
