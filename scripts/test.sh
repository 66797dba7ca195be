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
ctest --output-on-failure --timeout 600 "$@"
