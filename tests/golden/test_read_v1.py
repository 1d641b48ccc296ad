#!/usr/bin/python3
"""Version 1 stays readable: a report written by pathbench before the typed report model
(tests/golden/report_v1_pre_redesign.json.gz: `run --path kernel-udp,kernel-tcp --duration 1
--rate 10000 --probes none` on the main of 2026-12-01) goes through `pathbench report
--format json` (read into the model, written back) with every field and value it had, and
only the fields added since (units, the kernel-tcp probe nulls) added.

usage: test_read_v1.py PATHBENCH REPORT.json.gz
"""
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile

pathbench, fixture = sys.argv[1], sys.argv[2]
# Paths (list indices as []) the reader may add: fields version 1 gained after that writer.
ADDED = {"$.scenarios[].throughput.unit", "$.scenarios[].trials[].unit", "$.scenarios[].probes.overhead.bpf",
         "$.scenarios[].probes.sampling"}

problems = []


def walk(old, new, path):
    if isinstance(old, dict):
        if not isinstance(new, dict):
            problems.append(f"{path}: was an object, now {type(new).__name__}")
            return
        for k in old:
            if k not in new:
                problems.append(f"{path}.{k}: dropped")
            else:
                walk(old[k], new[k], f"{path}.{k}")
        for k in new:
            if k not in old and re.sub(r"\[\d+\]", "[]", f"{path}.{k}") not in ADDED:
                problems.append(f"{path}.{k}: added")
    elif isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            problems.append(f"{path}: list changed length")
            return
        for i, (a, b) in enumerate(zip(old, new)):
            walk(a, b, f"{path}[{i}]")
    elif old != new and not (isinstance(old, (int, float)) and isinstance(new, (int, float))
                             and abs(old - new) <= 1e-9 * max(1.0, abs(old))):
        problems.append(f"{path}: {old!r} read back as {new!r}")


with gzip.open(fixture, "rt") as f:
    text = f.read()
old = json.loads(text)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "v1.json")
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([pathbench, "report", path, "--format", "json"], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: pathbench report exit {p.returncode}: {p.stderr}")
    new = json.loads(p.stdout)
    text_view = subprocess.run([pathbench, "report", path], capture_output=True, text=True)
    if text_view.returncode != 0 or "kernel-tcp" not in text_view.stdout:
        problems.append(f"text view: exit {text_view.returncode}: {text_view.stderr}")
walk(old, new, "$")
if len(old["scenarios"]) < 2:
    problems.append("fixture has fewer than two scenarios")
for p in problems[:50]:
    print("FAIL:", p)
print(f"{len(old['scenarios'])} scenarios, {len(problems)} problems")
sys.exit(1 if problems else 0)
