#!/usr/bin/env bash
# Sets up (dependencies, build with warnings as errors) and runs the whole test suite:
# unit tests, then conformance (the reference scores 100%, every fixture gets its outcome).
set -euo pipefail
cd "$(dirname "$0")/.."
SOCKGRADE_CMAKE_ARGS="-DSOCKGRADE_WERROR=ON ${SOCKGRADE_CMAKE_ARGS:-}" scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
