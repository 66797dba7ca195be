#!/usr/bin/env bash
# Configures and builds into build/ (binaries in build/bin/). Extra arguments
# go to CMake, e.g. scripts/build.sh -DSANITIZE=address,undefined
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build build --parallel "$(nproc)"
