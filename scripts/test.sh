#!/usr/bin/env bash
# Sets up (the test dependencies too, everything built with warnings as errors) and runs the whole test suite:
# unit tests, then conformance (the reference scores 100%, every fixture gets its outcome).
set -euo pipefail
cd "$(dirname "$0")/.."
SOCKGRADE_CMAKE_ARGS="-DSOCKGRADE_WERROR=ON ${SOCKGRADE_CMAKE_ARGS:-}" scripts/setup.sh --tests
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
