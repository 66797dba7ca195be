#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/<name>_fuzz.cc) with clang-14,
# AddressSanitizer and UndefinedBehaviorSanitizer into build-fuzz/, then
# fuzzes each for SECONDS (default 60), starting from its committed seed
# corpus (tests/fuzz/corpus/<name>/). Prints one line per target: executions,
# executions per second, coverage (edges), corpus size and crashes; a crash
# leaves its input in build-fuzz/fuzz-artifacts/ and makes the script fail.
# Not part of scripts/test.sh: CTest replays the committed corpora instead.
#
#   scripts/fuzz.sh [SECONDS] [NAME...]     e.g. scripts/fuzz.sh 1800 ahoy_codec
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzz.cc; do names+=("$(basename "$f" _fuzz.cc)"); done
fi

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSANITIZE=address,undefined -DGWA_FUZZ=ON -DGWA_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
targets=()
for name in "${names[@]}"; do targets+=("${name}_fuzz"); done
cmake --build build-fuzz --parallel "$(nproc)" --target "${targets[@]}"

# Every UBSan finding stops the run like a crash; leaks count (LSan is on).
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
# The suppressions CI's sanitizer run uses (upstream leaks only, each named
# there): GLib's quark array, which a target that builds GStreamer pipelines
# grows past 2048 quarks within a second.
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0
failed=0
printf '%-18s %8s %12s %10s %8s %8s %7s\n' target seconds executions exec/s cov corpus crashes
for name in "${names[@]}"; do
  work=build-fuzz/fuzz-corpus/$name
  artifacts=build-fuzz/fuzz-artifacts
  mkdir -p "$work" "$artifacts"
  log=build-fuzz/fuzz-$name.log
  rc=0
  # New inputs go to $work; the committed seeds are read, never written.
  build-fuzz/bin/${name}_fuzz -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$work" \
    "tests/fuzz/corpus/$name" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(ls "$work" | wc -l)
  crashes=0
  if [ "$rc" -ne 0 ]; then crashes=1; failed=1; fi
  printf '%-18s %8s %12s %10s %8s %8s %7s\n' "$name" "$seconds" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "$corpus" "$crashes"
  if [ "$rc" -ne 0 ]; then
    grep -m3 -E 'ERROR|runtime error|fuzz property failed' "$log" >&2 || true
    echo "  log: $log; input: $(ls -t "$artifacts"/"$name"-* 2>/dev/null | head -1)" >&2
  fi
done
exit "$failed"
