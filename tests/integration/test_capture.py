#!/usr/bin/python3
"""run --capture N: the pcap file of each scenario's first N packets, read back with
Debian's tcpdump: exactly N packets, the generator's UDP datagrams to the DUT's port,
taken where the report says (DUT ingress for kernel-udp, TG egress for xdp-drop); the
report, its text summary and --dry-run name the file; bad values are refused naming the
flag; nothing stays on the host."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import assert_clean_host, check, require_root, run, validate  # noqa: E402

N = 50
DUT_IP, TG_IP, DUT_PORT = "198.18.0.2", "198.18.0.1", 9
# tcpdump -n -r: "12:00:00.000000 IP 198.18.0.1.10003 > 198.18.0.2.9: UDP, length 24"
LINE = re.compile(r"^\S+ IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): UDP, length (\d+)$")

require_root()
if not shutil.which("tcpdump"):
    print("SKIP: tcpdump is not installed (the test reads the pcap files back with it)")
    sys.exit(77)
assert_clean_host()


def tcpdump_read(path):
    p = subprocess.run(["tcpdump", "-n", "-r", path], capture_output=True, text=True, timeout=30)
    check(p.returncode == 0, f"tcpdump -r {path}: exit {p.returncode}: {p.stderr}")
    return p.stdout.splitlines()


def check_capture(tmp, path, where, interface, extra=()):
    out = os.path.join(tmp, f"{path}.json")
    p = run(["run", "--path", path, "--rate", "1000", "--duration", "1", "--flows", "4", "--capture", str(N),
             "--probes", "none", "-o", out, *extra], check_rc=0)
    with open(out) as f:
        report = json.load(f)
    validate(report)
    sc = report["scenarios"][0]
    check(sc["status"] == "ok", f"{path}: {sc['status']}: {sc.get('reason')}")
    cap = sc.get("capture")
    check(cap is not None, f"{path}: no capture record: {sorted(sc)}")
    # R.json -> R.<scenario>.pcap, the name's other characters as '_', beside the report.
    check(cap["file"] == path + "." + re.sub(r"[^A-Za-z0-9._-]", "_", sc["name"]) + ".pcap", f"{path}: file {cap['file']}")
    check(cap["requested"] == N and cap["packets"] == N, f"{path}: capture {cap}")
    check(cap["where"] == where and cap["interface"] == interface, f"{path}: captured at {cap}")
    check(cap["netns"] == sc["topology"]["dut_netns" if where == "dut-ingress" else "tg_netns"], f"{path}: {cap}")
    check(cap["dropped"] == 0 and "error" not in cap, f"{path}: {cap}")
    check(f"{sc['name']} capture: {N} packets at {where} {interface} -> {cap['file']}" in p.stdout,
          f"{path}: no capture line in the summary:\n{p.stdout}")
    lines = tcpdump_read(os.path.join(tmp, cap["file"]))
    check(len(lines) == N, f"{path}: tcpdump -r read {len(lines)} packets, expected {N}:\n" + "\n".join(lines[:5]))
    ports = set()
    for line in lines:
        m = LINE.match(line)
        check(m, f"{path}: not a UDP datagram of the generator: {line}")
        src, sport, dst, dport, length = m.groups()
        check((src, dst, int(dport)) == (TG_IP, DUT_IP, DUT_PORT), f"{path}: {line}")
        check(int(length) == 66 - 42, f"{path}: payload {length}, expected 24 (66-byte frames): {line}")
        ports.add(int(sport))
    check(len(ports) == 4, f"{path}: {len(ports)} source ports, expected the 4 flows: {sorted(ports)}")
    check(sc["throughput"]["sent"] >= N, f"{path}: sent {sc['throughput']['sent']} < {N}")
    print(f"{path}: {cap['packets']} packets at {where} {interface}, ports {sorted(ports)}, "
          f"sent {sc['throughput']['sent']}")
    return report


try:
    with tempfile.TemporaryDirectory() as tmp:
        # Bad values name the flag.
        p = run(["run", "--path", "kernel-udp", "--capture", "lots", "--dry-run"], check_rc=2)
        check("--capture" in p.stderr, p.stderr)
        p = run(["run", "--path", "kernel-udp", "--capture", "2000000", "--dry-run"], check_rc=2)
        check("--capture: expected an integer in [0, 1000000]" in p.stderr, p.stderr)
        # --dry-run shows it (text and JSON).
        p = run(["run", "--path", "kernel-udp,xdp-drop", "--capture", "7", "--dry-run"], check_rc=0)
        check("capture 7 at dut-ingress" in p.stdout and "capture 7 at tg-egress" in p.stdout, p.stdout)
        p = run(["run", "--path", "kernel-udp", "--capture", "7", "--dry-run", "--json"], check_rc=0)
        check(json.loads(p.stdout)["scenarios"][0]["given"]["capture"] == 7, p.stdout)

        check_capture(tmp, "kernel-udp", "dut-ingress", "pb-dut0")
        # xdp-drop consumes frames in XDP: the tap is on the TG's egress, which sees the
        # udp-socket generator's datagrams (dev_queue_xmit).
        check_capture(tmp, "xdp-drop", "tg-egress", "pb-tg0", ["--generator", "udp-socket"])
        # Its default generator, xdp-live, sends by ndo_xdp_xmit, past every tap: an empty
        # file and the record says why (never a silent zero).
        out = os.path.join(tmp, "live.json")
        run(["run", "--path", "xdp-drop", "--rate", "1000", "--duration", "1", "--capture", str(N), "--probes", "none",
             "-o", out], check_rc=0)
        with open(out) as f:
            report = json.load(f)
        validate(report)
        cap = report["scenarios"][0]["capture"]
        check(cap["packets"] == 0 and "ndo_xdp_xmit" in cap.get("error", ""), f"xdp-live at tg-egress: {cap}")
        check(tcpdump_read(os.path.join(tmp, cap["file"])) == [], "xdp-live: the pcap should be empty")
        assert_clean_host()
finally:
    assert_clean_host()
print("PASS")
