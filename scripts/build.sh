#!/usr/bin/env bash
# Configures and builds into build/ (binaries in build/bin/). Extra arguments
# go to CMake, e.g. scripts/build.sh -DSANITIZE=address,undefined
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# ccache, when installed, makes rebuilds in several checkouts cheap; CI does
# without it.
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "${launcher[@]}" "$@" >/dev/null
cmake --build build --parallel "$(nproc)"
