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
echo "| path (viewer) | runs | play → first frame median (min–max) | capture → decoded p50 | agent CPU (% of a core) |"
echo "|---|---|---|---|---|"
# "[ RUN ] NatTraversalTest.<case>", then one "[ figure ] key=value ..." line.
awk '
  /\[ RUN      \]/ { split($NF, name, "."); test = name[2] }
  /\[ figure \] play_to_first_frame_ms=/ {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[2] != "") v[kv[1]] = kv[2] }
    print test, v["play_to_first_frame_ms"], v["capture_to_decoded_p50_ms"], v["agent_cpu_pct"]
  }
' "$log" | sort | awk '
  # Sorted copy of a space-separated list into a[1..n] (mawk has no asort).
  function sorted(list, a,   n, i, j, x) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
    return n
  }
  function median(list,   a, n) { n = sorted(list, a); return a[int((n + 1) / 2)] }
  function lo(list,   a, n) { n = sorted(list, a); return a[1] }
  function hi(list,   a, n) { n = sorted(list, a); return a[n] }
  { runs[$1]++; play[$1] = play[$1] " " $2; lat[$1] = lat[$1] " " $3; cpu[$1] = cpu[$1] " " $4 }
  END {
    for (t in runs) {
      viewer = (t ~ /^Chromium/) ? "Chromium" : "test_viewer"
      l = median(lat[t]); if (l < 0) l = "–"; else l = l " ms"
      printf "| %s (%s) | %d | %d ms (%d–%d) | %s | %.1f |\n", t, viewer, runs[t], median(play[t]),
        lo(play[t]), hi(play[t]), l, median(cpu[t])
    }
  }
' | sort
