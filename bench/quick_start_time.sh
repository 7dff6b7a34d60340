#!/usr/bin/env bash
# Times the README's quick start as a new user meets it: in a fresh Debian bookworm container
# (docker/base_image.sh), on a clean copy of this checkout (tracked and new files, no build trees),
# the first command exactly as the README gives it, RUNS times. Each run prints its phases — packages
# and configure (until the first compile), build, grading — its total, the score line and the
# machine's load; then the median total. The container is a default one (no capabilities), with
# the host's network so that apt reaches the mirror.
# Usage: bench/quick_start_time.sh [RUNS]             (default 3; root, a running dockerd)
#        COMMAND=second bench/quick_start_time.sh 1   (times scripts/test.sh instead: ~25 min)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
COMMAND="${COMMAND:-first}"
case "$COMMAND" in
  first) CMD='scripts/setup.sh && build/sockgrade test echo-server reference/echo-server' ;;
  second) CMD='scripts/test.sh' ;;
  *) echo "COMMAND is first or second" >&2; exit 2 ;;
esac
docker info >/dev/null 2>&1 || { echo "quick_start_time: no running dockerd" >&2; exit 2; }
BASE=$(docker/base_image.sh)

copy=$(mktemp -d /var/tmp/sockgrade-quickstart.XXXXXX)
logs=$(mktemp -d)
trap 'rm -rf "$copy" "$logs"' EXIT
git ls-files -z --cached --others --exclude-standard | grep -zv '^build' | tar --null -T - -c | tar -C "$copy" -x

# Every line of output stamped with the container's clock ($EPOCHREALTIME, bash 5).
INNER='cp -a /src /sockgrade && cd /sockgrade && start=$EPOCHREALTIME && echo "$start START" &&
  { { '"$CMD"'; } 2>&1; echo "EXIT $?"; } | while IFS= read -r line; do echo "$EPOCHREALTIME $line"; done'

# phases LOG: "packages+configure build grading total" in seconds, from the stamped lines.
phases() {
  awk '$2 == "START" { start = $1 }
       ($2 ~ /^\[[0-9]+\/[0-9]+\]$/ || ($2 ~ /^\[/ && $3 ~ /%\]$/)) && !built_from { built_from = $1 }  # ninja, make
       /setup: built build\/sockgrade/ { built_to = $1 }
       { last = $1 }
       END {
         if (!built_from || !built_to) { print "NA NA NA", last - start; exit }
         printf "%.0f %.0f %.0f %.0f\n", built_from - start, built_to - built_from, last - built_to, last - start }' "$1"
}

totals=()
for ((i = 1; i <= RUNS; i++)); do
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  docker run --rm --network host -v "$copy:/src:ro" "$BASE" bash -c "$INNER" > "$logs/run$i.log"
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  read -r pkg build grade total < <(phases "$logs/run$i.log")
  status=$(awk '$2 == "EXIT" { print $3 }' "$logs/run$i.log")
  score=$(sed -n 's/\x1b\[[0-9;]*m//g; s/^[0-9.]* \(score [0-9.]*\/[0-9.]*\).*/\1/p' "$logs/run$i.log" | tail -1)
  echo "run $i: packages+configure ${pkg} s, build ${build} s, grading ${grade} s, total ${total} s;" \
       "exit ${status}, ${score:-no score line}; load before ${load_before}, after ${load_after}"
  [[ "$status" == 0 ]] || { echo "quick_start_time: run $i failed; its output:" >&2; tail -30 "$logs/run$i.log" >&2; exit 1; }
  totals+=("$total")
done
median=$(printf '%s\n' "${totals[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "median total of $RUNS: ${median} s ($COMMAND command: $CMD)"
