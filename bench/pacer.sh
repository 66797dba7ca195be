#!/usr/bin/env bash
# Paced vs unpaced through the tbf bottleneck of tests/integration/pacer_test.cc
# (agent and viewer in two network namespaces, tbf burst 6000 limit 50000):
# a fixed 2500 kbps 1280x720 noisy stream through 4 Mbit/s with
# --pacing-factor 0 and 2.5, then the adaptive narrow phase (800 kbit/s).
# Each case runs RUNS times; prints one Markdown row per run. Needs root
# (network namespaces).
#
#   bench/pacer.sh [RUNS]      # default 3; ~80 s per run of both tests
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
bin="${BUILD_DIR:-build}/bin"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The assertions are the test's business; the figures are printed either way.
"$bin/integration_tests" --gtest_filter='PacerTest.*' --gtest_repeat="$runs" >"$log" 2>&1 || true
echo "| run | phase | received kbps | sent kbps | bottleneck drops | capture → decoded p50 / worst-window p95 (ms) | longest freeze (ms) | pacer queue max (ms) |"
echo "|---|---|---|---|---|---|---|---|"
# "[ figure ] run | phase | received X kbps | sent Y kbps | drops N | delay p50 A ms p95 B ms
#  | longest freeze C ms | pacer queue max D ms"
awk -F' [|] ' '
  /^\[ figure \].* received / {
    sub(/^\[ figure \] /, "", $1)
    split($3, r, " "); split($4, s, " "); split($5, d, " "); split($6, l, " ")
    split($7, f, " "); split($8, q, " ")
    printf "| %s | %s | %.0f | %.0f | %s | %s / %s | %s | %s |\n", $1, $2, r[2], s[2], d[2], l[3], l[6], f[3], q[4]
  }
' "$log"
grep -E '^\[ note \]' "$log" | sed 's/^/    /' >&2
grep -E '^\[  (PASSED|FAILED) ' "$log" | sort | uniq -c | sed 's/^/    /' >&2
