#!/usr/bin/env python3
"""A copy of a lab file without one category's checks, beside a copy of its contract.
Usage: bench/lab_without.py LAB.json CATEGORY OUT.json (used by bench/batch_throughput.sh)."""
import json
import os
import shutil
import sys

src, category, dst = sys.argv[1:]
lab = json.load(open(src))
kept = [c for c in lab["checks"] if (c if isinstance(c, str) else c["id"]).split(".")[0] != category]
if len(kept) == len(lab["checks"]):
    sys.exit(f"{src} has no check in category {category}")
lab["checks"] = kept
with open(dst, "w") as out:
    json.dump(lab, out, indent=1)
shutil.copy(os.path.join(os.path.dirname(src), lab["contract"]), os.path.dirname(os.path.abspath(dst)))
