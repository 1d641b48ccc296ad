#!/usr/bin/python3
"""The XDP and AF_XDP paths end to end in fresh namespaces, driven by xdp-live: the ledger
balances at a paced rate each path sustains, per-queue counts add up, both RX queues get
traffic, the afxdp path reports its ring occupancy and XDP_STATISTICS over time under
"queues", and no XDP program outlives the run, even after SIGKILL."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import PATHBENCH, assert_clean_host, check, pb_netns, require_root, run, validate  # noqa: E402

RATE = 20000

require_root()
assert_clean_host()


def check_afxdp_queues(name, queues, trial, duration):
    """The AF_XDP sampler's entries: ring fill within the ring, one series point per 100 ms,
    and the ring-full series summing to the sockets' XDP_STATISTICS."""
    for key in ("afxdp_rx_ring", "afxdp_fill_ring"):
        e = queues.get(key)
        check(e is not None and "absent" not in e, f"{name}: queues.{key}: {e}")
        check(e["unit"] == "descriptors" and e["count"] > 0, f"{name}: {key}: {e}")
        series = e["series"]
        # One point per 100 ms of the trial (plus the partial last one); the CPUs are shared
        # with the load, so allow late wakeups.
        check(len(series) >= duration * 1000 / e["interval_ms"] / 2, f"{name}: {key}: {len(series)} points")
        check(0 <= e["p50"] <= e["p99"] <= e["max"] <= e["capacity"], f"{name}: {key}: {e}")
        check(max(series) == e["max"] and min(series) >= 0, f"{name}: {key}: series max {max(series)} vs {e['max']}")
    sockets = trial["afxdp"]["sockets"]
    for key, stat in (("afxdp_rx_ring_full", "rx_ring_full"), ("afxdp_rx_dropped", "rx_dropped"),
                      ("afxdp_fill_ring_empty_descs", "rx_fill_ring_empty_descs")):
        e = queues.get(key)
        check(e is not None and "absent" not in e and e["series"], f"{name}: queues.{key}: {e}")
        want = sum(s[stat] for s in sockets)
        check(sum(e["series"]) == e["total"] == want, f"{name}: {key}: series sum {sum(e['series'])}, "
              f"total {e['total']}, XDP_STATISTICS {want}")
    return queues["afxdp_rx_ring"]


def xdp_attached(netns):
    out = subprocess.run(["ip", "-n", netns, "-d", "link", "show"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "prog/xdp" in line or " xdp" in line.split("mtu")[0]]


with tempfile.TemporaryDirectory() as tmp:
    suite = os.path.join(tmp, "suite.json")
    out = os.path.join(tmp, "report.json")
    with open(suite, "w") as f:
        json.dump({"defaults": {"duration": 2, "flows": 8, "queues": 2, "rate": RATE, "generator": "xdp-live"},
                   "scenarios": [{"path": ["xdp-drop", "xdp-pass", "xdp-tx", "xdp-redirect", "afxdp"]},
                                 {"path": "xdp-drop", "xdp_mode": "generic"},
                                 {"path": "afxdp", "afxdp_mode": "l2fwd"},
                                 {"path": "kernel-udp", "generator": "afpacket"}]}, f)
    run(["run", suite, "-o", out], check_rc=0)
    with open(out) as f:
        report = json.load(f)
    validate(report)
    check(len(report["scenarios"]) == 8, f"expected 8 scenarios, got {len(report['scenarios'])}")
    for sc in report["scenarios"]:
        name, path = sc["name"], sc["path"]
        check(sc["status"] == "ok", f"{name}: {sc['status']}: {sc.get('reason')}")
        want = "afpacket" if path == "kernel-udp" else "xdp-live"
        check(sc["traffic"]["generator"] == want, f"{name}: generator {sc['traffic']['generator']}")
        th, led = sc["throughput"], sc["drops"]["ledger"]
        sent, delivered = th["sent"], th["delivered"]
        check(sent > 0.5 * RATE * 2, f"{name}: sent only {sent}")
        check(delivered <= sent, f"{name}: delivered {delivered} > sent {sent}")
        check(led["sent"] == led["delivered"] + led["attributed"] + led["unaccounted"], f"{name}: ledger {led}")
        check(abs(led["unaccounted"]) <= max(1, sent // 1000), f"{name}: unaccounted {led['unaccounted']} of {sent}")
        queues = [q["packets"] for q in sc["spread"]["per_rx_queue"]]
        for t in sc["trials"]:
            if path == "kernel-udp":
                k = t["kernel"]
                check(t["delivered"] == k["dut_udp_in_datagrams"], f"{name}: delivered != InDatagrams {k}")
                check(sum(t["per_queue"]) == t["delivered"], f"{name}: per-socket {t['per_queue']} != {t['delivered']}")
            elif path == "afxdp" and sc["topology"]["afxdp_mode"] == "l2fwd":
                check(t["afxdp"]["l2fwd_tx"] == t["afxdp"]["received"], f"{name}: l2fwd tx {t['afxdp']}")
            elif path == "afxdp":
                check(sum(t["per_queue"]) == t["delivered"], f"{name}: per-queue {t['per_queue']} != {t['delivered']}")
            else:
                dut = t["xdp"]["dut"]
                check(sum(t["per_queue"]) == dut["packets"], f"{name}: per-queue {t['per_queue']} != {dut['packets']}")
                check(sum(t["per_cpu"]) == dut["packets"], f"{name}: per-cpu {t['per_cpu']} != {dut['packets']}")
                check(dut["packets"] == t["sent"], f"{name}: XDP saw {dut['packets']}, TG sent {t['sent']}")
        mode = sc["topology"].get("xdp_mode") or "native"
        # AF_PACKET with PACKET_QDISC_BYPASS picks the TX queue by sending CPU, not by flow:
        # a one-thread afpacket generator fills one veth queue.
        if mode == "native" and sc["traffic"]["generator"] != "afpacket":
            check(len(queues) == 2 and min(queues) > 0, f"{name}: both RX queues should get traffic: {queues}")
        if path != "xdp-pass":
            lat = sc["latency"]
            check(lat["count"] == delivered and lat["p50"] > 0, f"{name}: latency {lat['count']} vs {delivered}")
        if path == "afxdp":
            check(sc["topology"].get("afxdp_bind") in ("copy", "zerocopy"), f"{name}: bind mode {sc['topology']}")
            for t in sc["trials"]:
                check_afxdp_queues(name, t.get("queues", {}), t, 2)
            # The scenario's queues are those of its last trial.
            ring = check_afxdp_queues(name, sc.get("queues", {}), sc["trials"][-1], 2)
            print(f"{name}: afxdp_rx_ring max {ring['max']} p99 {ring['p99']} of {ring['capacity']}, "
                  f"{ring['count']} samples, rx_ring_full {sc['queues']['afxdp_rx_ring_full']['total']}")
        print(f"{name}: sent {sent} delivered {delivered} attributed {led['attributed']} queues {queues}")
    check(report["scenarios"][5]["topology"]["xdp_mode"] == "generic", "scenario 6 should be generic mode")
    assert_clean_host()

    # SIGKILL mid-trial: the BPF links die with the process, so the namespaces the run
    # leaves behind carry no XDP program; cleanup removes them.
    p = subprocess.Popen([PATHBENCH, "run", "--path", "xdp-drop", "--duration", "20", "--rate", "10000",
                          "-o", os.path.join(tmp, "kill.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.time() + 20
    while time.time() < end and len(pb_netns()) < 2:
        time.sleep(0.05)
    time.sleep(2)  # well inside the first trial: the program is attached
    dut = [n for n in pb_netns() if n.endswith("-dut")]
    check(dut, "run never created its DUT namespace")
    check(xdp_attached(dut[0]), f"an XDP program should be attached in {dut[0]} during the run")
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(xdp_attached(dut[0]) == [], f"XDP program survived SIGKILL: {xdp_attached(dut[0])}")
    run(["cleanup"], check_rc=0)
    assert_clean_host()
print("PASS")
