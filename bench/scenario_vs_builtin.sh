#!/usr/bin/env bash
# A scenario check against the built-in check it stands for: grades the echo-server reference
# with labs/echo-server.json (basic.small-echo and basic.binary written as scenarios) and with the
# same lab whose two entries name the built-in checks instead, alternately, and prints each run's
# durations of the two checks and the medians. Usage: bench/scenario_vs_builtin.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-7}"
BIN="${SOCKGRADE:-build/sockgrade}"
[[ -x "$BIN" ]] || { echo "build first: scripts/setup.sh" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The built-in variant: the scenario entries replaced by the built-in ids with the same weights.
python3 - labs/echo-server.json "$tmp/builtin.json" <<'PY'
import json, sys
lab = json.load(open(sys.argv[1]))
lab["checks"] = [{"id": c["id"], "weight": c["weight"]} if "steps" in c else c for c in lab["checks"]]
lab.pop("contract")  # a path next to labs/echo-server.json, not next to this copy
json.dump(lab, open(sys.argv[2], "w"))
PY
cc -std=gnu11 -O2 -pthread -o "$tmp/server" reference/echo-server/*.c
python3 - "$BIN" "$tmp" "$RUNS" <<'PY'
import json, statistics, subprocess, sys
bin, tmp, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
ids = ["basic.small-echo", "basic.binary"]
seen = {"built-in": {i: [] for i in ids}, "scenario": {i: [] for i in ids}}
for run in range(runs):
    for kind, lab in (("built-in", tmp + "/builtin.json"), ("scenario", "echo-server")):
        subprocess.run([bin, "test", lab, tmp + "/server", "--only", "basic.*", "--json", tmp + "/r.json"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        report = json.load(open(tmp + "/r.json"))
        for t in report["tests"]:
            if t["id"] in ids:
                assert t["status"] == "passed", (kind, t["id"], t["message"])
                seen[kind][t["id"]].append(t["duration_ms"])
for kind, checks in seen.items():
    for i, ms in checks.items():
        print(f"{kind:9} {i:17} runs {ms} ms  median {statistics.median(ms):.0f} ms")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
