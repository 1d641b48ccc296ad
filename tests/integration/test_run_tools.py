#!/usr/bin/python3
"""run --tools T,...: the `pathbench probe` tools run during each scenario, scoped to the
DUT netns, their events and final summary in the report.

- tcplife during kernel-tcp: one event per connection the path opened (the DUT's end: its
  port the server's, the remote ports the clients' from the report's own tcp connection
  data), the same sessions Debian's libbpf-tools /usr/sbin/tcplife prints for the DUT's
  address while running at the same time, with the same RX_KB;
- skbdrop during kernel-udp with a 4 KiB socket buffer: its SOCKET_RCVBUFF count equals the
  DUT's Udp RcvbufErrors delta and the drop ledger's SOCKET_RCVBUFF row; events are capped
  and what was cut is counted;
- SIGINT during a run with --tools and --capture keeps the partial report (tools and
  capture records included) and leaves nothing behind;
- bad tool names are refused naming the flag.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import PATHBENCH, assert_clean_host, check, pb_netns, require_root, run, validate  # noqa: E402

TCPLIFE = "/usr/sbin/tcplife"
DUT_IP = "198.18.0.2"
FLOWS = 4
MAX_EVENTS = 10000

require_root()
assert_clean_host()


def events(rec):
    return [e if isinstance(e, dict) else json.loads(e) for e in rec["events"]]


def start_tcplife(tmp):
    """libbpf-tools' tcplife, host-wide, line-buffered into a file, once it printed its header
    (attached); None when it does not work here."""
    if not os.path.exists(TCPLIFE):
        return None
    path = os.path.join(tmp, "tcplife.out")
    f = open(path, "w")
    p = subprocess.Popen(["stdbuf", "-oL", TCPLIFE], stdout=f, stderr=subprocess.STDOUT, text=True)
    f.close()
    deadline = time.time() + 15
    while time.time() < deadline and p.poll() is None:
        with open(path) as f:
            if f.readline().startswith("PID"):
                return p, path
        time.sleep(0.05)
    p.kill()
    p.wait()
    with open(path) as f:
        print(f"note: {TCPLIFE} does not run here: {f.read()[-300:]!r}")
    return None


def check_tcplife(tmp):
    ref = start_tcplife(tmp)
    try:
        out = os.path.join(tmp, "tcp.json")
        p = run(["run", "--path", "kernel-tcp", "--rate", "max", "--duration", "1", "--flows", str(FLOWS),
                 "--tools", "tcplife", "--probes", "none", "-o", out], check_rc=0)
    finally:
        ref_lines = []
        if ref:
            time.sleep(0.5)
            ref[0].send_signal(signal.SIGINT)
            ref[0].wait(timeout=10)
            with open(ref[1]) as f:
                ref_lines = f.read().splitlines()
    with open(out) as f:
        report = json.load(f)
    validate(report)
    sc = report["scenarios"][0]
    check(sc["status"] == "ok", f"kernel-tcp: {sc.get('reason')}")
    rec = sc["tools"]["tcplife"]
    check(rec["status"] == "ok" and rec["reason"] is None, f"tcplife: {rec['status']}: {rec['reason']}")
    check(rec["netns"] == sc["topology"]["dut_netns"], f"tcplife scoped to {rec['netns']}")
    evs = events(rec)
    conns = [c for t in sc["trials"] for c in t["tcp"]["connections"]]
    check(len(conns) == FLOWS, f"the report's tcp data has {len(conns)} connections, expected {FLOWS}")
    check(rec["events_seen"] == len(evs) == FLOWS and rec["events_cut"] == 0 and rec["lost"] == 0,
          f"tcplife: {rec['events_seen']} events ({len(evs)} kept), expected one per connection ({FLOWS})")
    check(sorted(e["rport"] for e in evs) == sorted(c["sport"] for c in conns),
          f"tcplife remote ports {sorted(e['rport'] for e in evs)} != the clients' {sorted(c['sport'] for c in conns)}")
    for e in evs:
        check(e["type"] == "event" and e["tool"] == "tcplife", f"not a tcplife event line: {e}")
        check(e["laddr"] == DUT_IP and e["lport"] == conns[0]["dport"], f"tcplife: not the DUT's end: {e}")
        check(e["rx_kb"] > 0 and e["ms"] > 500, f"tcplife: a 1 s stream received nothing? {e}")
    summary = rec["summary"]
    check(summary["type"] == "summary" and summary["final"] and summary["events"] == FLOWS, f"summary: {summary}")
    check(summary["histograms"]["lifespan"]["count"] == FLOWS, f"summary: {summary['histograms']}")
    check(f"{sc['name']} tools: tcplife {FLOWS} events" in p.stdout, f"no tools line in the summary:\n{p.stdout}")
    # The same sessions as libbpf-tools tcplife sees them (it prints both ends: keep the DUT's).
    if ref is not None:
        rows = [line.split() for line in ref_lines]
        dut = {int(r[5]): r for r in rows if len(r) >= 9 and r[2] == DUT_IP and int(r[3]) == conns[0]["dport"]
               and int(r[5]) in {c["sport"] for c in conns}}
        check(len(dut) == FLOWS, f"{TCPLIFE} saw {len(dut)} of the DUT's sessions, expected {FLOWS}:\n" + "\n".join(ref_lines[-12:]))
        for e in evs:
            ref_rx = float(dut[e["rport"]][7])
            check(int(ref_rx) == e["rx_kb"], f"rport {e['rport']}: RX_KB {ref_rx} ({TCPLIFE}) vs {e['rx_kb']}")
        print(f"tcplife: {FLOWS} sessions, the same as {TCPLIFE}'s for {DUT_IP}: ports {sorted(dut)}")
    else:
        print(f"tcplife: {FLOWS} sessions ({TCPLIFE} not available to compare)")


def check_skbdrop(tmp):
    out = os.path.join(tmp, "udp.json")
    run(["run", "--path", "kernel-udp", "--rate", "max", "--duration", "1", "--flows", "8", "--rcvbuf", "4096",
         "--tools", "skbdrop", "-o", out], check_rc=0)
    with open(out) as f:
        report = json.load(f)
    validate(report)
    sc = report["scenarios"][0]
    check(sc["status"] == "ok", f"kernel-udp: {sc.get('reason')}")
    rec = sc["tools"]["skbdrop"]
    check(rec["status"] == "ok", f"skbdrop: {rec['status']}: {rec['reason']}")
    rows = rec["summary"]["rows"]
    tool_rcvbuf = sum(r["count"] for r in rows if r["reason"] == "SOCKET_RCVBUFF")
    rcvbuf_errors = sc["counters"]["dut"]["snmp"]["Udp"]["RcvbufErrors"]
    ledger = sum(d["count"] for d in sc["drops"]["by_reason"] if d["reason"] == "SOCKET_RCVBUFF")
    check(rcvbuf_errors > 0, "a 4 KiB socket buffer at max rate should overflow")
    check(tool_rcvbuf == rcvbuf_errors, f"skbdrop SOCKET_RCVBUFF {tool_rcvbuf} != Udp RcvbufErrors {rcvbuf_errors}")
    check(ledger == rcvbuf_errors, f"ledger SOCKET_RCVBUFF {ledger} != Udp RcvbufErrors {rcvbuf_errors}")
    evs = events(rec)
    check(len(evs) == min(rec["events_seen"], MAX_EVENTS), f"{len(evs)} events kept of {rec['events_seen']}")
    check(rec["events_cut"] == rec["events_seen"] - len(evs), f"events_cut {rec['events_cut']}")
    check(rec["events_seen"] == rec["summary"]["events"], f"{rec['events_seen']} vs the summary's {rec['summary']['events']}")
    if rec["events_cut"]:
        check(any("events kept" in n for n in rec["notes"]), f"cut events not noted: {rec['notes']}")
    print(f"skbdrop: SOCKET_RCVBUFF {tool_rcvbuf} = Udp RcvbufErrors {rcvbuf_errors} = ledger {ledger}; "
          f"{rec['events_seen']} events, {rec['events_cut']} not kept")


def check_sigint(tmp):
    out = os.path.join(tmp, "int.json")
    p = subprocess.Popen([PATHBENCH, "run", "--path", "kernel-udp", "--rate", "1000", "--duration", "20",
                          "--tools", "tcplife,skbdrop", "--capture", "100000", "--probes", "none", "-o", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not pb_netns() and p.poll() is None:
            time.sleep(0.05)
        time.sleep(2.5)  # the topology up, the tools attached, the trial running
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    check(p.returncode == 130, f"SIGINT: exit {p.returncode}, expected 130\n{err[-2000:]}")
    with open(out) as f:
        report = json.load(f)
    validate(report)
    sc = report["scenarios"][0]
    check(sc["status"] == "ok", f"interrupted scenario: {sc['status']}: {sc.get('reason')}")
    for tool in ("tcplife", "skbdrop"):
        rec = sc["tools"][tool]
        check(rec["status"] == "ok" and rec["summary"]["final"], f"{tool} after SIGINT: {rec['status']} {rec['reason']}")
    cap = sc["capture"]
    sent = sc["throughput"]["sent"]
    check(0 < cap["packets"] < 100000 and cap["packets"] <= sent, f"capture after SIGINT: {cap}, sent {sent}")
    check(os.path.exists(os.path.join(tmp, cap["file"])), f"the pcap {cap['file']} the report names is missing")
    pcaps = [f for f in os.listdir(tmp) if f.endswith(".pcap")]
    check(pcaps == [cap["file"]], f"pcap files beside the report: {pcaps}")
    assert_clean_host()
    print(f"SIGINT: exit 130, partial report kept: {sent} sent, {cap['packets']} captured, tools ok")


try:
    with tempfile.TemporaryDirectory() as tmp:
        p = run(["run", "--path", "kernel-tcp", "--tools", "tcplif", "--dry-run"], check_rc=2)
        check('--tools: unknown tool "tcplif" (did you mean "tcplife"?)' in p.stderr, p.stderr)
        p = run(["run", "--path", "kernel-tcp", "--tools", "tcplife,skbdrop", "--dry-run"], check_rc=0)
        check("tools tcplife,skbdrop" in p.stdout, p.stdout)
        check_tcplife(tmp)
        assert_clean_host()
        check_skbdrop(tmp)
        assert_clean_host()
        check_sigint(tmp)
finally:
    assert_clean_host()
print("PASS")
