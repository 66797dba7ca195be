#!/usr/bin/env bash
# ThreadSanitizer over the parts of the agent that are ours and threaded
# without GStreamer in the way (tests/tsan/): the Ahoy link and its asio
# thread against a real websocketpp director, and the stats hub's fan-out.
# A build directory of its own, build-tsan/ (gcc, -DSANITIZE=thread), in which
# only the one test binary and what it links are built, not the whole tree.
# Any TSan report fails the run (halt_on_error); suppressions live in
# tests/sanitizers/tsan.supp, each with the upstream reason. Extra arguments go
# to the test binary (e.g. --gtest_filter=StatsHub*).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE=thread \
  -DGWA_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-tsan --parallel "$(nproc)" --target tsan_tests

# exitcode=66: a report fails the run even if the test itself passed;
# halt_on_error: the first report ends it, with both stacks.
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:exitcode=66:suppressions=$PWD/tests/sanitizers/tsan.supp"
# The binary directly, not through ctest: one process for every test, so the
# instrumented start-up is paid once.
build-tsan/bin/tsan_tests "$@"
