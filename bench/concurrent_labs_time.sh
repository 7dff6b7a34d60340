#!/usr/bin/env bash
# Grading time of the concurrent labs' references, one grading at a time and two at once (the
# machine has 2 cores), and whether every grading gave the same grade: per lab, the median wall
# time of each mode and the distinct "score + statuses" seen. Usage: bench/concurrent_labs_time.sh [RUNS=7]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-7}"
BIN="${SOCKGRADE:-build/sockgrade}"
[[ -x "$BIN" ]] || { echo "build first: scripts/setup.sh" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# grade LAB EXE OUT -> prints the wall seconds; the grade goes to OUT.grade
grade() {
  local start end
  start=$(date +%s.%N)
  "$BIN" test "$1" "$2" --color never --json "$3.json" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["score"], " ".join(t["id"]+"="+t["status"] for t in r["tests"] if t["status"]!="passed") or "all-passed")' "$3.json" >"$3.grade"
  awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f\n", e - s}'
}

for lab in fork thread select; do
  sub="reference/echo-server-$lab"
  exe="$tmp/$lab"
  cc -std=gnu11 -O2 -pthread -o "$exe" "$sub"/*.c
  "$BIN" test "echo-server-$lab" "$exe" --color never >/dev/null 2>&1 || true   # warm-up
  single=() pair=()
  for ((i = 1; i <= RUNS; i++)); do
    single+=("$(grade "echo-server-$lab" "$exe" "$tmp/s$i")")
  done
  for ((i = 1; i <= RUNS; i++)); do
    grade "echo-server-$lab" "$exe" "$tmp/a$i" >"$tmp/ta" &
    grade "echo-server-$lab" "$exe" "$tmp/b$i" >"$tmp/tb" &
    wait
    pair+=("$(cat "$tmp/ta")" "$(cat "$tmp/tb")")
  done
  ms=$(printf '%s\n' "${single[@]}" | median)
  mp=$(printf '%s\n' "${pair[@]}" | median)
  grades=$(cat "$tmp"/s*.grade "$tmp"/a*.grade "$tmp"/b*.grade | sort | uniq -c | sed 's/^ */    /')
  printf 'echo-server-%-7s one at a time: median %.3f s   two at once: median %.3f s   (%d + %d gradings)\n' \
    "$lab" "$ms" "$mp" "$RUNS" "$((2 * RUNS))"
  printf '  grades seen:\n%s\n' "$grades"
  rm -f "$tmp"/*.grade "$tmp"/*.json
done
