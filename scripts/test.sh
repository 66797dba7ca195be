#!/usr/bin/env bash
# Installs everything, builds, and runs every test (unit, integration with real
# processes and webrtcbin peers, and the headless-Chromium end-to-end test).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

# playwright-core drives Debian's Chromium; it never downloads a browser.
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
(cd clients/node && npm ci --no-audit --no-fund --loglevel=error)

cd build
ctest --output-on-failure --timeout 600 --output-junit ctest-results.xml "$@"

# A skipped test never passes for a success: network tests skip without
# CAP_NET_ADMIN (tests/support/net_lab.h), and that must fail the run.
skipped=$(grep -c '<skipped' ctest-results.xml || true)
if [ "$skipped" -ne 0 ]; then
  echo "FAILED: $skipped test(s) were skipped (see 'Skipped' above); every test must run." >&2
  grep -B1 '<skipped' ctest-results.xml | grep -o 'name="[^"]*"' >&2 || true
  exit 1
fi
cd ..

# ThreadSanitizer over the Ahoy link, the stats hub fan-out and the stream
# registry (README "Sanitizers"): a build directory of its own, build-tsan/,
# with only the TSan test binary built; any TSan report fails the run.
scripts/tsan.sh
