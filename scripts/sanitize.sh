#!/usr/bin/env bash
# The CTest suite under AddressSanitizer + UndefinedBehaviorSanitizer: a
# second build directory, build-asan/ (gcc, -DSANITIZE=address,undefined), so
# the normal build/ stays as it is. Extra arguments go to ctest; without any,
# the whole suite runs, as in CI (scripts/test.sh; README "AddressSanitizer +
# UndefinedBehaviorSanitizer").
#
#   scripts/sanitize.sh                      # every test (~16 min)
#   scripts/sanitize.sh -L 'unit|fuzz'       # unit tests + fuzz replays (~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
# -O1 -g1: ASan at -O2 -g took 262 s and 2.4 GB for ahoy_link.cc alone (asio's
# templates), -O1 -g1 111 s; -g1 still gives file:line in every report.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE=address,undefined \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DGWA_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-asan --parallel "$(nproc)"

supp=$PWD/tests/sanitizers
# Child processes (agent, local-director, helpers) inherit these.
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0:check_initialization_order=1
export LSAN_OPTIONS=suppressions=$supp/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$supp/ubsan.supp
# GLib's slice allocator hides memory from ASan; plain malloc lets it see.
export G_SLICE=always-malloc

cd build-asan
ctest --output-on-failure --timeout 900 "$@"
