#!/usr/bin/env bash
# Play -> first decoded frame across the emulated NATs of
# tests/integration/nat_traversal_test.cc (five namespaces, a real coturn),
# per path: direct pair with STUN, TURN/UDP, TURN/TCP, TURN/TLS, relay
# policy, and a Chromium viewer through the director's TURN. Each case runs
# RUNS times (the lab is rebuilt every time); prints median and range per
# path as a Markdown table. Needs root (network namespaces).
#
#   bench/nat.sh [RUNS]      # default 5; ~1 min per run of all paths
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
bin="${BUILD_DIR:-build}/bin"
filter='NatTraversalTest.FullCone*:NatTraversalTest.*Through*:NatTraversalTest.TurnOverTlsPlays*'
filter+=':NatTraversalTest.RelayPolicy*:NatTraversalTest.TurnServerFromTheDirector*'
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$bin/integration_tests" --gtest_filter="$filter" --gtest_repeat="$runs" >"$log" 2>&1 || {
  tail -n 40 "$log" >&2
  exit 1
}
echo "| path (viewer) | runs | play → first frame median | min | max |"
echo "|---|---|---|---|---|"
# "[ RUN ] NatTraversalTest.<case>" then "[ figure ] play to first frame ... N ms".
awk '
  /\[ RUN      \]/ { split($NF, name, "."); test = name[2] }
  /\[ figure \] play to first frame/ { ms[test] = ms[test] " " $(NF-1) }
  END { for (t in ms) print t ms[t] }
' "$log" | sort | while read -r test values; do
  sorted=$(tr ' ' '\n' <<<"$values" | sort -n)
  n=$(wc -l <<<"$sorted")
  median=$(sed -n "$(((n + 1) / 2))p" <<<"$sorted")
  viewer="test_viewer (webrtcbin)"
  [[ "$test" == Chromium* ]] && viewer="Chromium"
  echo "| $test ($viewer) | $n | $median ms | $(head -1 <<<"$sorted") ms | $(tail -1 <<<"$sorted") ms |"
done
