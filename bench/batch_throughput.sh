#!/usr/bin/env bash
# Batch grading throughput: N echo-server submissions (a class-like mix: mostly correct, the rest
# with one classic bug each, every copy made distinct so each is compiled on its own) graded by
# `sockgrade grade --jobs J`; prints the wall time, submissions per minute, the machine's busy
# CPU time per submission and where the time went (compilation, checks, waiting on deadlines).
# Usage: bench/batch_throughput.sh [N=100] [JOBS] (JOBS: grade's --jobs; default: grade's own default)
# LAB=NAME-OR-FILE grades for another echo-server lab (default: echo-server), e.g.
# labs/examples/echo-server-quick-memory.json; WITHOUT=CATEGORY grades with a copy of the lab that
# leaves that category's checks out (WITHOUT=memory: what the memory checks cost a batch).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100}"
JOBS="${2:-}"
BIN="${SOCKGRADE:-build/sockgrade}"
[[ -x "$BIN" ]] || { echo "build first: scripts/setup.sh" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

scripts/make_class.sh "$N" "$tmp/subs"
LAB="${LAB:-echo-server}"
lab_name=$(basename "$LAB" .json)
if [[ -n "${WITHOUT:-}" ]]; then
  without="$tmp/$(basename "$LAB" .json)-without-$WITHOUT.json"
  "$BIN" explain "$LAB" --json | python3 bench/lab_without.py "$WITHOUT" "$without"
  LAB="$without"
fi

# Busy CPU time of the whole machine (user, nice, system, irq, softirq), in clock ticks: the
# gradings' processes, their programs, compilers and the kernel's work for them.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
busy_start=$(busy_ticks)
start=$(date +%s.%N)
"$BIN" grade "$LAB" "$tmp/subs" --out "$tmp/out" ${JOBS:+--jobs "$JOBS"} > "$tmp/summary.txt" 2>/dev/null || true
end=$(date +%s.%N)
busy_end=$(busy_ticks)
wall=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.1f", e - s}')
rate=$(awk -v w="$wall" -v n="$N" 'BEGIN {printf "%.0f", n * 60 / w}')
cpu=$(awk -v b="$((busy_end - busy_start))" -v hz="$(getconf CLK_TCK)" -v n="$N" 'BEGIN {printf "%.2f", b / hz / n}')
echo "graded $N submissions for $lab_name${WITHOUT:+ without the $WITHOUT checks} with --jobs ${JOBS:-(default)} on $(nproc) CPUs in $wall s: $rate submissions per minute, $cpu CPU-seconds each (the whole machine's busy time)"
head -1 "$tmp/summary.txt"

# Where the time went, from the reports: compilation, and check time by category.
python3 - "$tmp/out/reports" "$wall" "$JOBS" <<'PY'
import json, os, sys, collections
d, wall = sys.argv[1], float(sys.argv[2])
jobs = int(sys.argv[3]) if sys.argv[3] else 0  # 0: grade chose
build = total = 0.0
checks = collections.Counter(); waits = collections.Counter()
names = [f for f in os.listdir(d) if f.endswith(".json")]  # the reports, not the other views beside them
for f in names:
    r = json.load(open(os.path.join(d, f)))
    build += r["build"].get("duration_ms", 0) / 1000
    total += r["duration_ms"] / 1000
    for t in r["tests"]:
        checks[t["category"]] += t.get("duration_ms", 0) / 1000
        if t["status"] == "timeout": waits[t["id"]] += t.get("duration_ms", 0) / 1000
print(f"per submission (mean): {total/len(names):.2f} s wall, of which compilation {build/len(names):.2f} s")
if jobs:
    print(f"sum of submission wall times {total:.0f} s over {jobs} slots = {total/jobs:.0f} s (batch wall {wall:.0f} s)")
else:
    print(f"sum of submission wall times {total:.0f} s (batch wall {wall:.0f} s)")
print("check time by category (summed over cells, which run in parallel):")
for c, s in checks.most_common(): print(f"  {c:16s} {s:7.1f} s")
if waits:
    print("checks that waited for a deadline (timeouts), summed:")
    for c, s in waits.most_common(5): print(f"  {c:40s} {s:6.1f} s")
PY
