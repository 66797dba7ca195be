#!/usr/bin/env bash
# Issue 13's bench: Chromium watching 1280x720@30 asking 2500 kbps through the
# tbf bottleneck of tests/support/bottleneck_lab.h over three link schedules
# (steady 2 Mbit/s; 4 -> 0.8 -> 4 Mbit/s; 1 Mbit/s + 2 % loss), adaptation
# off and on (bench/congestion_bench.cc). Prints the table of BENCHMARKS.md
# section 6 and draws each run's time series (link, estimate, target, sent,
# received) into bench/figures/congestion_<schedule>_<adaptive|fixed>.svg.
# Needs root (network namespaces).
#
#   bench/congestion.sh          # ~7 min
#   bench/congestion.sh --gtest_filter='*steps*'   # one schedule
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${BUILD_DIR:-build}/bin"
[ -d tests/browser/node_modules/playwright-core ] ||
  (cd tests/browser && npm ci --no-audit --no-fund >/dev/null)
series=$(mktemp -d)
trap 'rm -rf "$series"' EXIT
# A run that fails (e.g. Chromium never plays at a fixed rate above the link)
# is a row of the table, not the end of the bench.
GWA_BOTTLENECK_SERIES="$series" "$bin/congestion_bench" "$@" |
  grep -E '^\[ (figure|note) \]|^\||^Chromium' || true
for csv in "$series"/*.csv; do
  [ -e "$csv" ] || { echo "no time series written" >&2; exit 1; }
  run=$(basename "$csv" .csv)
  mode=${run##*_}
  schedule=${run%_*}
  case "$schedule" in
    steady2m) what="steady 2 Mbit/s" ;;
    steps) what="4 -> 0.8 -> 4 Mbit/s" ;;
    loss1m) what="1 Mbit/s + 2 % loss" ;;
    *) what="$schedule" ;;
  esac
  [ "$mode" = fixed ] && mode="fixed 2500 kbps (adaptive: false)"
  out="bench/figures/congestion_$run.svg"
  bench/congestion_chart.py "$csv" "$out" "$what, $mode: 1280x720@30 into Chromium ($(date -u +%F))"
  echo "$out"
done
