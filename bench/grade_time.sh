#!/usr/bin/env bash
# Wall time of grading a submission on a lab, excluding nothing but the first (warm-up) run:
# prints every run and the median. Usage: bench/grade_time.sh [RUNS] [LAB] [SUBMISSION]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-7}"
LAB="${2:-echo-server}"
SUB="${3:-reference/echo-server}"
BIN="${SOCKGRADE:-build/sockgrade}"
[[ -x "$BIN" ]] || { echo "build first: scripts/setup.sh" >&2; exit 2; }

# The submission is built once; timing an executable leaves compilation out.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [[ -d "$SUB" ]]; then
  cc -std=gnu11 -O2 -pthread -o "$tmp/server" "$SUB"/*.c
  EXE="$tmp/server"
else
  EXE="$SUB"
fi

"$BIN" test "$LAB" "$EXE" --color never >/dev/null || true   # warm-up
times=()
for ((i = 1; i <= RUNS; i++)); do
  start=$(date +%s.%N)
  "$BIN" test "$LAB" "$EXE" --color never --json "$tmp/r.json" >/dev/null || true
  end=$(date +%s.%N)
  t=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.3f", e - s}')
  score=$(grep -E '^  "score"' "$tmp/r.json" | grep -oE '[0-9.]+')
  printf 'run %2d  %.3f s  score %s\n' "$i" "$t" "$score"
  times+=("$t")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
printf 'median of %d runs: %.3f s (%s on %s, excluding compilation)\n' "$RUNS" "$median" "$LAB" "$SUB"
