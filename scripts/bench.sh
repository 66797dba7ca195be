#!/usr/bin/env bash
# Runs the benchmarks (BENCHMARKS.md) and prints every figure as a Markdown
# table under the machine it was measured on. Not part of CI: nothing here
# passes or fails on a timing.
#
#   scripts/bench.sh                 # everything (~11 min on 2 cores; prints how long it took)
#   scripts/bench.sh start control   # only some: start control browser cost fanout audience janus latency
#                                    #   browser-latency floor nat (nat needs root: network namespaces)
#
# Env: BUILD_DIR (default build), SKIP_BUILD=1 to use the binaries as they are.
# Results are also written to $BUILD_DIR/bench-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGWA_BUILD_BENCH=ON >/dev/null
  cmake --build "$BUILD_DIR" --parallel "$(nproc)" --target gwa_bench
fi
# Headed Chromium on a virtual display: headless Chromium may not paint
# <video>, and browser-latency reads painted frames (xauth: xvfb-run needs it).
if ! command -v xvfb-run >/dev/null || ! command -v xauth >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends xvfb xauth
fi
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund)
fi
BIN=$(cd "$BUILD_DIR/bin" && pwd)
export GWA_BIN_DIR=$BIN

which=("$@")
[ ${#which[@]} -eq 0 ] && which=(start control browser cost fanout audience janus latency browser-latency floor nat)
out="$BUILD_DIR/bench-results.md"
: >"$out"
{
  echo "## gwa_bench run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "uptime: $(uptime)"
  echo "top CPU users at start:"
  echo '```'
  ps -eo pcpu,comm --sort=-pcpu | head -6
  echo '```'
} | tee -a "$out"
for b in "${which[@]}"; do
  case "$b" in
    start) "$BIN/gwa_bench" start --runs 20 ;;
    control) "$BIN/gwa_bench" control --rate 200 --seconds 10 ;;
    browser) node bench/browser.mjs 20 10 ;;
    cost) "$BIN/gwa_bench" cost --streams 1,4,8,16 --seconds 10 ;;
    fanout) "$BIN/gwa_bench" fanout --subscribers 0,1,100,1000 --streams 4 --seconds 10 ;;
    audience) "$BIN/gwa_bench" audience --viewers 1,2,4,8 --seconds 6 ;;
    janus) "$BIN/gwa_bench" janus --runs 9 ;;
    latency)
      "$BIN/gwa_bench" latency --seconds 10 --receiver-latency 0
      "$BIN/gwa_bench" latency --seconds 10 --receiver-latency 200 ;;
    # >= 630 painted frames (21 s at 30 fps) per configuration, at most 35 s each.
    browser-latency) xvfb-run -a node bench/browser_latency.mjs 630 35 ;;
    floor) "$BIN/gwa_bench" floor --seconds 22 ;;
    nat) bench/nat.sh 5 ;;
    *) echo "unknown benchmark $b (start control browser cost fanout audience janus latency browser-latency floor nat)" >&2
       exit 2 ;;
  esac | tee -a "$out"
done
echo "uptime at the end: $(uptime)" | tee -a "$out"
echo "bench.sh took $((SECONDS / 60)) min $((SECONDS % 60)) s" | tee -a "$out"
