#!/usr/bin/env bash
# Grades every fixture (buggy ones, hostile ones and the references included) N times in a row
# and prints, per fixture, how many runs got exactly the outcome in its expect.json; a fixture
# whose score, exit code or failing checks varied between runs is named with each variant.
# The conformance runner (expect_outcome) grades what expect.json names: the fixture's directory,
# or its "submission" (a reference handed in for another lab).
#   bench/repeat_fixtures.sh [N] [GLOB] [--pair]
# GLOB selects fixtures as LAB/ID (default: all). --pair grades two copies of each fixture at
# once (two graders competing for the machine, as in a batch), each N times.
# Prints a summary and exits 1 when any fixture mismatched or varied.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20}"
GLOB="${2:-*/*}"
PAIR="${3:-}"
BIN="${SOCKGRADE:-build/sockgrade}"
CHECKER="${EXPECT_OUTCOME:-build/harness/tests/expect_outcome}"
[[ -x "$BIN" && -x "$CHECKER" ]] || { echo "build first: scripts/setup.sh --tests" >&2; exit 2; }
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
bad=()
total=0
for expect in fixtures/$GLOB/expect.json; do
  dir=$(dirname "$expect")
  name=${dir#fixtures/}
  total=$((total + 1))
  start=$(date +%s)
  ok=1
  if [[ "$PAIR" == "--pair" ]]; then
    "$CHECKER" "$BIN" "$PWD" "$dir" --repeat "$N" >"$logs/a" 2>&1 & a=$!
    "$CHECKER" "$BIN" "$PWD" "$dir" --repeat "$N" >"$logs/b" 2>&1 & b=$!
    wait "$a" || ok=0
    wait "$b" || ok=0
    cat "$logs/a" "$logs/b" >"$logs/out"
  else
    "$CHECKER" "$BIN" "$PWD" "$dir" --repeat "$N" >"$logs/out" 2>&1 || ok=0
  fi
  # 77: skipped, the fixture needs an isolation layer this machine lacks.
  if grep -q ": skipped, needs" "$logs/out"; then ok=1; fi
  if ((ok)); then
    echo "$name: as expected in every run ($(($(date +%s) - start)) s)"
  else
    echo "$name: MISMATCH or VARIED"
    sed 's/^/  /' "$logs/out"
    bad+=("$name")
  fi
done
echo "${#bad[@]} of $total fixtures mismatched or varied over $N runs${PAIR:+ (two at once)}${bad[*]:+: ${bad[*]}}"
((${#bad[@]} == 0))
