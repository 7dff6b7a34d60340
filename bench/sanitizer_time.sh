#!/usr/bin/env bash
# What the memory checks cost one grading: grades the echo-server reference (its sources, so the
# build is part of it) with labs/echo-server.json and with a copy of it without the memory checks,
# alternately, and prints each run's wall time and the medians, and their difference (issue 16's
# target: at most 1 s). Usage: bench/sanitizer_time.sh [RUNS] [LAB] [SUBMISSION]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-7}"
LAB="${2:-echo-server}"
SUB="${3:-reference/$LAB}"
BIN="${SOCKGRADE:-build/sockgrade}"
[[ -x "$BIN" ]] || { echo "build first: scripts/setup.sh" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The lab as resolved (extends included), without the memory checks.
"$BIN" explain "$LAB" --json > "$tmp/resolved.json"
python3 - "$tmp/resolved.json" "$tmp/without.json" <<'PY'
import json, sys
lab = json.load(open(sys.argv[1]))
lab["checks"] = [c for c in lab["checks"] if not c["id"].startswith("memory.")]
lab.pop("contract", None)  # a path next to labs/, not next to this copy
lab.pop("extends", None)
json.dump(lab, open(sys.argv[2], "w"))
PY
python3 - "$BIN" "$tmp" "$RUNS" "$LAB" "$SUB" <<'PY'
import json, statistics, subprocess, sys, time
bin, tmp, runs, lab, sub = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
seen = {"with memory": [], "without": []}
for run in range(runs):
    for kind, which in (("with memory", lab), ("without", tmp + "/without.json")):
        start = time.monotonic()
        subprocess.run([bin, "test", which, sub, "--json", tmp + "/r.json"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.monotonic() - start
        report = json.load(open(tmp + "/r.json"))
        bad = [(t["id"], t["status"]) for t in report["tests"] if t["status"] != "passed"]
        assert not bad, (kind, bad)
        seen[kind].append(round(wall, 2))
for kind, walls in seen.items():
    print(f"{kind:12} runs {walls} s  median {statistics.median(walls):.2f} s")
print(f"memory checks add {statistics.median(seen['with memory']) - statistics.median(seen['without']):+.2f} s (median)")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
