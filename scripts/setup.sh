#!/usr/bin/env bash
# Installs what is missing from Debian's packages and builds sockgrade.
#   scripts/setup.sh           what building the CLI and grading need; builds only build/sockgrade
#                              and its preload shim (the README's first command)
#   scripts/setup.sh --tests   adds the test dependencies and builds everything: unit tests,
#                              conformance checker, benchmarks (scripts/test.sh, CI)
# Both are unity builds (SOCKGRADE_UNITY): about a quarter of the CPU time of a build file by file;
# with Ninja, which compiles the libraries' objects side by side (make waits for each library below);
# at -O1 without debug information, half the time of -O2 -g and grading is no slower (it waits on
# its programs: 1.6-1.7 CPU-seconds for the reference at -O1 and -O2 alike). Figures: README.
# BUILD_TYPE and SOCKGRADE_CMAKE_ARGS (after ours, so they win) are honoured; a build directory
# configured before keeps its generator.
# SETUP_DEPS_ONLY=1 installs the packages and stops (scripts/test-in-docker.sh bakes them in).
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0
case "${1:-}" in
  "") ;;
  --tests) tests=1 ;;
  *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
esac

PACKAGES=(
  g++ gcc make cmake ninja-build           # the harness, and the C compiler for submissions
  nlohmann-json3-dev libcli11-dev          # reports and lab files; the command line
  libarchive-dev                           # submission archives in batch grading
)
TEST_PACKAGES=(
  libgtest-dev libgmock-dev libvalijson-dev  # unit tests; JSON Schema validation of reports
  libxml2-utils chromium                   # JUnit XML checked by xmllint; HTML reports rendered headless
  socat bubblewrap                         # benchmarks compare against them
)
if ((tests)); then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [[ "${SETUP_DEPS_ONLY:-0}" == 1 ]]; then exit 0; fi

BUILD_TYPE="${BUILD_TYPE:-Release}"
TESTS_ARG=-DSOCKGRADE_TESTS=OFF
if ((tests)); then TESTS_ARG=-DSOCKGRADE_TESTS=ON; fi
GENERATOR=(-G Ninja)
if [[ -f build/CMakeCache.txt ]]; then GENERATOR=(); fi
# shellcheck disable=SC2086  # SOCKGRADE_CMAKE_ARGS is a list of arguments
cmake -S . -B build "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELEASE="-O1 -DNDEBUG" "$TESTS_ARG" -DSOCKGRADE_UNITY=ON ${SOCKGRADE_CMAKE_ARGS:-} >/dev/null
if ((tests)); then
  cmake --build build -j"$(nproc)"
  echo "setup: built build/sockgrade, the tests and the benchmarks" >&2
else
  cmake --build build -j"$(nproc)" --target sockgrade  # the shim comes with it
  echo "setup: built build/sockgrade" >&2
fi
