#!/usr/bin/env bash
# Installs every dependency from Debian's packages (when missing) and builds sockgrade.
# After it, the CLI is at build/sockgrade.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  g++ gcc make cmake                       # the harness, and the C compiler for submissions
  libboost-dev libboost-filesystem-dev     # Boost.Process (header-only) and its filesystem dependency
  nlohmann-json3-dev libcli11-dev          # reports and lab files; the command line
  libarchive-dev                           # submission archives in batch grading
  libgtest-dev libgmock-dev libvalijson-dev  # unit tests; JSON Schema validation of reports in tests
  socat bubblewrap                         # benchmarks compare against them
)
# Only the tests need these; the grading image builds with -DSOCKGRADE_TESTS=OFF and skips them.
TEST_PACKAGES=(
  libxml2-utils chromium                   # JUnit XML checked by xmllint; the HTML report rendered headless
)
if [[ "${SOCKGRADE_CMAKE_ARGS:-}" != *SOCKGRADE_TESTS=OFF* ]]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

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

# SETUP_DEPS_ONLY=1: dependencies only (scripts/test-in-docker.sh bakes them into its image).
if [[ "${SETUP_DEPS_ONLY:-0}" == 1 ]]; then exit 0; fi

BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -DCMAKE_BUILD_TYPE="$BUILD_TYPE" ${SOCKGRADE_CMAKE_ARGS:-} >/dev/null
cmake --build build -j"$(nproc)"
echo "setup: built build/sockgrade" >&2
