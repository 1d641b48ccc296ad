#!/usr/bin/python3
"""What the default probes cost: xdp-drop and kernel-udp at max rate, each scenario's trial
run with and without probes in alternating pairs (pathbench run --measure-overhead: 3 pairs,
medians), plus BPF run_time_ns per program from one more trial with the kernel's run-time
stats on. Targets (issue 5): <= 3 % of xdp-drop throughput, <= 10 % of kernel-udp.

  bench/scripts/probe_overhead.py [--duration 3] [--build build] [--probes default]"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--duration", default="3")
ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "..", "build"))
ap.add_argument("--probes", default="default")
args = ap.parse_args()
pb = os.path.join(args.build, "bench", "cli", "pathbench")
with tempfile.TemporaryDirectory() as tmp:
    suite = os.path.join(tmp, "suite.json")
    out = os.path.join(tmp, "report.json")
    with open(suite, "w") as f:
        json.dump({"defaults": {"duration": args.duration, "flows": 8, "queues": 2, "rate": "max"},
                   "scenarios": [{"path": ["xdp-drop", "kernel-udp"]}]}, f)
    subprocess.run([pb, "run", suite, "--measure-overhead", "--probes", args.probes, "-o", out], check=True,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        report = json.load(f)
rows = []
for sc in report["scenarios"]:
    o = sc["probes"]["overhead"]
    t = o["throughput"]
    bpf = o.get("bpf") or {}
    rows.append({"scenario": sc["name"], "probes": sc["probes"]["active"], "median_with_pps": t["median_with_pps"],
                 "median_without_pps": t["median_without_pps"], "ratio": t["ratio"], "cost": t["cost"],
                 "pairs": t["pairs"], "bpf_run_time_ns": bpf.get("run_time_ns"), "bpf_run_cnt": bpf.get("run_cnt")})
    print(f"{sc['name']:24s} with {t['median_with_pps'] / 1e6:7.3f} Mpps  without {t['median_without_pps'] / 1e6:7.3f} "
          f"Mpps  cost {100 * t['cost']:5.1f} %", file=sys.stderr)
print(json.dumps(rows, indent=2))
