#!/usr/bin/env bash
# The issue's link schedule (4 -> 0.8 -> 4 Mbit/s, 1280x720@30 asking
# 2500 kbps) through the tbf bottleneck of tests/integration/bottleneck_test.cc,
# adaptive and then fixed, drawn as time-series charts (estimate, target,
# sent, received against the link) into bench/figures/. The test's
# [ figure ] lines (BENCHMARKS.md section 6) are printed too. Needs root
# (network namespaces).
#
#   bench/congestion.sh          # ~70 s
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${BUILD_DIR:-build}/bin"
series=$(mktemp -d)
trap 'rm -rf "$series"' EXIT
# The assertions are the test's business; the figures are printed either way.
GWA_BOTTLENECK_SERIES="$series" "$bin/integration_tests" \
  --gtest_filter='BottleneckTest.AdaptiveRate*' | grep -E '^\[ (figure|note) \]' || true
for run in adaptive fixed; do
  [ -s "$series/$run.csv" ] || { echo "no $run series written" >&2; exit 1; }
  what="$run"
  [ "$run" = fixed ] && what="fixed 2500 kbps (adaptive: false; the target is computed, not applied)"
  bench/congestion_chart.py "$series/$run.csv" "bench/figures/congestion_$run.svg" \
    "$what: 1280x720@30, link 4 -> 0.8 -> 4 Mbit/s ($(date -u +%F))"
  echo "bench/figures/congestion_$run.svg"
done
