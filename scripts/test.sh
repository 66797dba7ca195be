#!/usr/bin/env bash
# Installs everything, builds, and runs every test (unit, integration with real
# processes and webrtcbin peers, and the headless-Chromium end-to-end tests),
# in three builds (README "Tests" says how long each part takes):
#   build/       the plain build: every test except the integration label;
#   build-tsan/  ThreadSanitizer over the Ahoy link, stats hub and registry;
#   build-asan/  AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer):
#                the whole suite, integration included, so those tests run once,
#                sanitized (they exercise the plain build's code, with every
#                memory error and UB stopping the run).
# Extra arguments go to both ctest runs (e.g. -R Ahoy).
set -euo pipefail
cd "$(dirname "$0")/.."

# A skipped test never passes for a success: network tests skip without
# CAP_NET_ADMIN (tests/support/net_lab.h), and that must fail the run.
fail_on_skips() {
  local results=$1 skipped
  skipped=$(grep -c '<skipped' "$results" || true)
  if [ "$skipped" -ne 0 ]; then
    echo "FAILED: $skipped test(s) were skipped (see 'Skipped' above); every test must run." >&2
    grep -B1 '<skipped' "$results" | grep -o 'name="[^"]*"' >&2 || true
    exit 1
  fi
}

scripts/install-deps.sh
scripts/build.sh

# playwright-core drives Debian's Chromium; it never downloads a browser.
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
(cd clients/node && npm ci --no-audit --no-fund --loglevel=error)

(cd build && ctest --output-on-failure --timeout 600 -LE integration \
  --output-junit ctest-results.xml "$@")
fail_on_skips build/ctest-results.xml

scripts/tsan.sh

scripts/sanitize.sh --output-junit asan-results.xml "$@"
fail_on_skips build-asan/asan-results.xml
