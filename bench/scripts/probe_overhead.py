#!/usr/bin/python3
"""What the default probes cost: xdp-drop and kernel-udp at max rate, each scenario's trial
run with and without probes in alternating pairs (pathbench run --overhead-pairs N, default 5;
medians), plus BPF run_time_ns per program from one more trial with the kernel's run-time
stats on. Targets (issue 5): <= 3 % of xdp-drop throughput, <= 10 % of kernel-udp.

  bench/scripts/probe_overhead.py [--duration 3] [--build build] [--probes default] [--probe-window 100/1000]
                                  [--paths xdp-drop,kernel-udp]"""
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
ap.add_argument("--probe-window", default="100/1000")
ap.add_argument("--paths", default="xdp-drop,kernel-udp")
ap.add_argument("--pairs", default="5", help="with/without pairs per scenario (>= 3)")
args = ap.parse_args()
pb = os.path.join(args.build, "bench", "cli", "pathbench")
with tempfile.TemporaryDirectory() as tmp:
    suite = os.path.join(tmp, "suite.json")
    out = os.path.join(tmp, "report.json")
    with open(suite, "w") as f:
        json.dump({"defaults": {"duration": args.duration, "flows": 8, "queues": 2, "rate": "max"},
                   "scenarios": [{"path": args.paths.split(",")}]}, f)
    subprocess.run([pb, "run", suite, "--overhead-pairs", args.pairs, "--probes", args.probes, "--probe-window",
                    args.probe_window, "-o", out], check=True,
                   stdout=subprocess.DEVNULL)
    with open(out) as f:
        report = json.load(f)
rows = []
for sc in report["scenarios"]:
    o = sc["probes"]["overhead"]
    t = o["throughput"]
    bpf = o.get("bpf") or {}
    rows.append({"scenario": sc["name"], "probes": sc["probes"]["active"], "median_with_pps": t["median_with_pps"],
                 "median_without_pps": t["median_without_pps"], "ratio": t["ratio"], "ratio_of_medians": t["ratio_of_medians"],
                 "cost": t["cost"],
                 "pairs": t["pairs"], "bpf_run_time_ns": bpf.get("run_time_ns"), "bpf_run_cnt": bpf.get("run_cnt")})
    print(f"{sc['name']:24s} with {t['median_with_pps'] / 1e6:7.3f} Mpps  without {t['median_without_pps'] / 1e6:7.3f} "
          f"Mpps  cost {100 * t['cost']:5.1f} % (median of the pairs' ratios; of the medians: "
          f"{100 * (1 - t['ratio_of_medians']):.1f} %)", file=sys.stderr)
print(json.dumps(rows, indent=2))
