#!/usr/bin/env bash
# Cell start (namespaces + limits + exec of a trivial program) against `unshare -U -r -n -p -f
# true` and `bwrap --unshare-all --ro-bind / / true`, in the same run: median milliseconds.
# Usage: bench/cell_start.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-50}"
CELL="${CELL_START:-build/bench/cell_start}"
[[ -x "$CELL" ]] || { echo "build first: scripts/setup.sh --tests" >&2; exit 2; }

median_ms() {  # runs "$@" RUNS times, prints the median wall time in ms
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local s e
    s=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
    e=$(date +%s%N)
    times+=("$(( (e - s) / 1000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", ((NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2) / 1000}'
}

cell=$("$CELL" "$RUNS" 2>/tmp/cell_start.layers.$$)
cat /tmp/cell_start.layers.$$; rm -f /tmp/cell_start.layers.$$
printf '%-46s %8s ms\n' "sockgrade cell (every layer, in-process)" "$cell"
printf '%-46s %8s ms\n' "unshare -U -r -n -p -f true" "$(median_ms unshare -U -r -n -p -f true)"
if command -v bwrap >/dev/null; then
  printf '%-46s %8s ms\n' "bwrap --unshare-all --ro-bind / / true" "$(median_ms bwrap --unshare-all --ro-bind / / true)"
else
  echo "bwrap: not installed (apt-get install bubblewrap)"
fi
echo "(median of $RUNS runs; the two commands include their own fork and exec from the shell)"
