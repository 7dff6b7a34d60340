#!/usr/bin/env bash
# Grades every fixture (and the reference) N times in a row and reports, per fixture, how
# many runs got exactly the outcome in its expect.json. Usage: bench/repeat_fixtures.sh [N] [GLOB]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20}"
GLOB="${2:-*}"
BIN="${SOCKGRADE:-build/sockgrade}"
CHECKER="${EXPECT_OUTCOME:-build/harness/tests/expect_outcome}"
[[ -x "$BIN" && -x "$CHECKER" ]] || { echo "build first: scripts/setup.sh" >&2; exit 2; }
status=0
for expect in fixtures/*/$GLOB/expect.json; do
  dir=$(dirname "$expect")
  if out=$("$CHECKER" "$BIN" "$PWD" "$dir" --repeat "$N"); then
    echo "$out" | tail -1
  else
    echo "$out"
    status=1
  fi
done
exit $status
