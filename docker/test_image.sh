#!/usr/bin/env bash
# Builds the grading image (docker/build_image.sh) and proves it: the reference and a buggy
# fixture graded in a default container and with --cap-add SYS_ADMIN (and NET_ADMIN), exit codes
# and reports checked; `sockgrade doctor` in each; a small batch; Gradescope's run_autograder.
# Needs a running dockerd. Usage: docker/test_image.sh   (SKIP_BUILD=1 reuses sockgrade:latest)
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=sockgrade:latest
[[ "${SKIP_BUILD:-0}" == 1 ]] || docker/build_image.sh >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
failures=0
check() {  # check NAME EXPECTED_EXIT ACTUAL_EXIT [REPORT EXPECTED_SCORE]
  local name=$1 want=$2 got=$3 report=${4:-} score=${5:-}
  local ok=1 detail="exit $got"
  [[ "$got" == "$want" ]] || ok=0
  if [[ -n "$report" ]]; then
    if [[ -s "$report" ]]; then
      local s; s=$(python3 -c 'import json,sys; print("%g" % json.load(open(sys.argv[1]))["score"])' "$report")
      detail="$detail, score $s"; [[ "$s" == "$score" ]] || ok=0
    else
      detail="$detail, no report"; ok=0
    fi
  fi
  if ((ok)); then echo "ok    $name ($detail)"; else echo "FAIL  $name ($detail; expected exit $want${score:+, score $score})"; failures=$((failures + 1)); fi
}

# Both buggy fixtures lose 10 of the echo-server lab's 113 weight points (the memory checks
# included; `sockgrade explain echo-server`): no-write-loop partial-io.short-writes and
# partial-io.eintr (5 each), no-sigpipe-handling sigpipe.peer-vanishes (10). 100 - 100 * 10 / 113.
BUG_SCORE=91.15
for mode in default sys_admin; do
  caps=(); [[ $mode == sys_admin ]] && caps=(--cap-add SYS_ADMIN --cap-add NET_ADMIN)
  # The fixtures are the project's tests, not part of the image: mounted from this checkout.
  run=(docker run --rm "${caps[@]}" -v "$out:/out" -v "$PWD/fixtures:/opt/sockgrade/fixtures:ro")
  "${run[@]}" "$IMAGE" doctor > "$out/doctor-$mode.txt" 2>&1; check "$mode: doctor" 0 $?
  grep '^in force' "$out/doctor-$mode.txt" | sed 's/^/      /'
  set +e
  "${run[@]}" "$IMAGE" test echo-server reference/echo-server --json /out/ref-$mode.json >/dev/null 2>&1
  check "$mode: reference" 0 $? "$out/ref-$mode.json" 100
  "${run[@]}" "$IMAGE" test echo-server fixtures/echo-server/no-write-loop --json /out/bug-$mode.json >/dev/null 2>&1
  check "$mode: no-write-loop" 1 $? "$out/bug-$mode.json" "$BUG_SCORE"
  "${run[@]}" "$IMAGE" test echo-server fixtures/echo-server/does-not-compile --json /out/cc-$mode.json >/dev/null 2>&1
  check "$mode: does-not-compile" 1 $? "$out/cc-$mode.json" 0
  "${run[@]}" --entrypoint /bin/sh "$IMAGE" -c \
    'mkdir -p /tmp/subs && cp -r reference/echo-server /tmp/subs/ref && cp -r fixtures/echo-server/no-sigpipe-handling /tmp/subs/nosig &&
     sockgrade grade echo-server /tmp/subs --out /out/batch-'$mode' --jobs 2 >/dev/null 2>&1'
  check "$mode: batch of 2" 0 $?
  grep -q "^nosig,$BUG_SCORE,100," "$out/batch-$mode/gradebook.csv" && grep -q '^ref,100,100,' "$out/batch-$mode/gradebook.csv"
  check "$mode: gradebook rows" 0 $?
  # Gradescope: the submission mounted where Gradescope puts it, run_autograder as it runs it.
  "${run[@]}" -v "$PWD/fixtures/echo-server/no-write-loop:/autograder/submission:ro" --entrypoint /bin/sh "$IMAGE" -c \
    'mkdir -p /autograder && ln -s /opt/sockgrade /autograder/source &&
     docker/gradescope/run_autograder >/dev/null 2>&1 && cp /autograder/results/results.json /out/gs-'$mode'.json'
  check "$mode: gradescope run_autograder" 0 $? "$out/gs-$mode.json" "$BUG_SCORE"
  set -e
done
if ((failures)); then echo "docker/test_image.sh: $failures failed"; exit 1; fi
echo "docker/test_image.sh: all passed"
