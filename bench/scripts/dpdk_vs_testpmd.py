#!/usr/bin/python3
"""Side-by-side receive rate of pathbench-dpdk (rxonly, per-packet latency stamping on)
and Debian's dpdk-testpmd (--forward-mode=rxonly), on the same net_af_xdp vdev of a veth,
under the same xdp-live load, in alternating repetitions; prints medians and the ratio.

  bench/scripts/dpdk_vs_testpmd.py [--reps 5] [--duration 5] [--build build]

Root only. It makes its own namespaces (pbb-<pid>-tg/-dut) and removes them, and every
DPDK runtime directory it caused, at the end. The generator runs on CPU 0, the receiver's
lcore on CPU 1 (both keep their main lcore on CPU 0)."""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--reps", type=int, default=5)
ap.add_argument("--duration", type=float, default=5.0)
ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "..", "build"))
args = ap.parse_args()
if os.geteuid() != 0:
    sys.exit("needs root")
PB = os.path.join(args.build, "bench", "cli", "pathbench")
APP = os.path.join(args.build, "dpdk", "pathbench-dpdk")
TESTPMD = shutil.which("dpdk-testpmd")
for p in (PB, APP, TESTPMD):
    if not p or not os.path.exists(p):
        sys.exit(f"missing: {p}")

tag = f"pbb-{os.getpid()}"
TG, DUT = f"{tag}-tg", f"{tag}-dut"
TG_IF, DUT_IF = "pbb-tg0", "pbb-dut0"


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def setup():
    sh("ip", "netns", "add", TG)
    sh("ip", "netns", "add", DUT)
    for ns in (TG, DUT):
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    sh("ip", "link", "add", TG_IF, "netns", TG, "type", "veth", "peer", "name", DUT_IF, "netns", DUT)
    sh("ip", "-n", TG, "addr", "add", "198.18.0.1/30", "dev", TG_IF)
    sh("ip", "-n", DUT, "addr", "add", "198.18.0.2/30", "dev", DUT_IF)
    for ns, dev in ((TG, TG_IF), (DUT, DUT_IF), (TG, "lo"), (DUT, "lo")):
        sh("ip", "-n", ns, "link", "set", dev, "up")
    return json.loads(sh("ip", "-n", DUT, "-j", "link", "show", DUT_IF).stdout)[0]["address"]


def teardown():
    for ns in (TG, DUT):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    for d in glob.glob(f"/var/run/dpdk/{tag}-*"):
        shutil.rmtree(d, ignore_errors=True)


def receiver(kind, rep):
    prefix = f"{tag}-{kind}{rep}"
    eal = ["-l", "0,1", "--no-huge", "-m", "512", "--no-pci", "--file-prefix", prefix,
           "--vdev", f"net_af_xdp0,iface={DUT_IF}"]
    if kind == "testpmd":
        cmd = [TESTPMD, *eal, "--", "--forward-mode=rxonly", "--total-num-mbufs=16384", "--stats-period", "0"]
    else:
        cmd = [APP, *eal, "--", "--engine", "rxonly", "--json"]
    p = subprocess.Popen(["ip", "netns", "exec", DUT, *cmd], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    return p


def rx_count(kind, text):
    if kind == "testpmd":
        m = re.findall(r"RX-packets:\s+(\d+)", text)
        if not m:
            raise RuntimeError("testpmd printed no RX-packets:\n" + text[-2000:])
        return int(m[-1])
    for line in text.splitlines():  # EAL logs go to stderr, mixed in here: find the document
        if line.startswith("{"):
            doc, _ = json.JSONDecoder().raw_decode(text[text.index(line):])
            return doc["rx_packets"]
    raise RuntimeError("pathbench-dpdk printed no statistics:\n" + text[-2000:])


def one(kind, rep, mac):
    p = receiver(kind, rep)
    time.sleep(4)  # EAL init, port start
    if p.poll() is not None:
        raise RuntimeError(f"{kind} exited early:\n{p.communicate()[0][-2000:]}")
    gen = sh("taskset", "-c", "0", PB, "generate", "--netns", TG, "--ifname", TG_IF, "--dst-mac", mac,
             "--rate", "max", "--duration", str(args.duration), "--flows", "8", "--json")
    tx = json.loads(gen.stdout)
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    rx = rx_count(kind, out)
    return {"kind": kind, "rep": rep, "sent": tx["sent"], "rx": rx, "rx_pps": rx / tx["elapsed_s"],
            "tx_pps": tx["tx_pps"]}


try:
    mac = setup()
    runs = []
    for rep in range(args.reps):
        order = ["testpmd", "pathbench-dpdk"] if rep % 2 == 0 else ["pathbench-dpdk", "testpmd"]
        for kind in order:
            r = one(kind, rep, mac)
            runs.append(r)
            print(f"rep {rep} {kind:15s} sent {r['sent']:>11,} rx {r['rx']:>11,}  {r['rx_pps']/1e6:6.2f} Mpps",
                  file=sys.stderr)
    med = {k: statistics.median(r["rx_pps"] for r in runs if r["kind"] == k) for k in ("testpmd", "pathbench-dpdk")}
    med_tx = {k: statistics.median(r["tx_pps"] for r in runs if r["kind"] == k) for k in ("testpmd", "pathbench-dpdk")}
    ratio = med["pathbench-dpdk"] / med["testpmd"]
    print(json.dumps({"reps": args.reps, "duration_s": args.duration, "median_rx_pps": med, "median_tx_pps": med_tx,
                      "ratio_pathbench_over_testpmd": ratio, "runs": runs}, indent=2))
    print(f"median rx: testpmd {med['testpmd']/1e6:.2f} Mpps, pathbench-dpdk {med['pathbench-dpdk']/1e6:.2f} Mpps, "
          f"ratio {ratio:.3f}", file=sys.stderr)
finally:
    teardown()
