#!/usr/bin/env bash
# How reliably the concurrency checks catch the racy fixtures, and how reliably they pass the
# references: each racy fixture is graded N times on the check that must catch it (it must
# fail in at least 19 of 20 runs), each reference M times on the race-shaped checks (it must
# fail in none). Usage: bench/race_figures.sh [N=20] [M=100]   (SOCKGRADE=path, JOBS=--jobs)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20}"
M="${2:-100}"
BIN="${SOCKGRADE:-build/sockgrade}"
[[ -x "$BIN" ]] || { echo "build first: scripts/setup.sh" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Built once: timing and counting leave compilation out.
build() {  # DIR -> executable path
  local out="$tmp/$(echo "$1" | tr / _)"
  cc -std=gnu11 -O2 -g -pthread -o "$out" "$1"/*.c
  echo "$out"
}

# count LAB EXE CHECKS RUNS -> "failed_runs runs" (a run fails when any listed check did not pass)
count() {
  local lab=$1 exe=$2 checks=$3 runs=$4 failed=0 i
  for ((i = 1; i <= runs; i++)); do
    "$BIN" test "$lab" "$exe" --only "$checks" --seed "$i" --color never --json "$tmp/r.json" >/dev/null 2>&1 || true
    if ! python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["tests"] and all(t["status"]=="passed" for t in r["tests"]) else 1)' "$tmp/r.json"; then
      failed=$((failed + 1))
    fi
  done
  echo "$failed $runs"
}

printf '%-48s %-40s %s\n' "submission" "check(s)" "failed runs"
while read -r lab dir checks; do
  exe=$(build "$dir")
  read -r f r < <(count "$lab" "$exe" "$checks" "$N")
  verdict=$([[ $((f * 20)) -ge $((r * 19)) ]] && echo ok || echo "TOO FEW (need >= 19/20)")
  printf '%-48s %-40s %d/%d  %s\n' "$dir" "$checks" "$f" "$r" "$verdict"
done <<'LIST'
echo-server-thread fixtures/echo-server-thread/connfd-race concurrency.burst
echo-server-thread fixtures/echo-server-thread/shared-buffer concurrency.burst
echo-server-fork fixtures/echo-server-fork/reap-once concurrency.children-reaped
echo-server-fork fixtures/echo-server-fork/reap-once concurrency.resources-reclaimed
LIST

while read -r lab dir checks; do
  exe=$(build "$dir")
  read -r f r < <(count "$lab" "$exe" "$checks" "$M")
  verdict=$([[ $f -eq 0 ]] && echo ok || echo "FLAKY (must be 0)")
  printf '%-48s %-40s %d/%d  %s\n' "$dir" "$checks" "$f" "$r" "$verdict"
done <<'LIST'
echo-server-fork reference/echo-server-fork concurrency.*
echo-server-thread reference/echo-server-thread concurrency.*
echo-server-select reference/echo-server-select concurrency.*
LIST
