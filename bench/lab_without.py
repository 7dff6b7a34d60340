#!/usr/bin/env python3
"""A lab without one category's checks: reads a resolved lab (`sockgrade explain LAB --json`, which
extends nothing and names its contract by an absolute path) on stdin, writes the copy to OUT.json.
Usage: sockgrade explain LAB --json | bench/lab_without.py CATEGORY OUT.json (bench/batch_throughput.sh)."""
import json
import sys

category, dst = sys.argv[1:]
lab = json.load(sys.stdin)
kept = [c for c in lab["checks"] if c["id"].split(".")[0] != category]
if len(kept) == len(lab["checks"]):
    sys.exit(f"lab {lab['name']} has no check in category {category}")
lab["checks"] = kept
with open(dst, "w") as out:
    json.dump(lab, out, indent=1)
