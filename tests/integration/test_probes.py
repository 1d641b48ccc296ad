#!/usr/bin/python3
"""Issue 5 acceptance on real traffic: RX queue spread and RPS, qdisc drops and depth,
probe selection, and the kernel-tcp path."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import assert_clean_host, check, require_root, run, validate  # noqa: E402

require_root()
assert_clean_host()

with tempfile.TemporaryDirectory() as tmp:
    suite, out = os.path.join(tmp, "suite.json"), os.path.join(tmp, "report.json")
    with open(suite, "w") as f:
        json.dump({"defaults": {"duration": 1, "flows": 64, "queues": 2, "rate": 50000},
                   "scenarios": [{"path": "kernel-udp", "rps_cpus": ["0", "3"]},
                                 {"path": "kernel-udp", "qdisc": "tbf:5mbit", "rate": "max"},
                                 {"path": "kernel-tcp", "tcp_mode": ["stream", "rr"], "flows": 2, "rate": "max"}]}, f)
    # Always attached, so spread counts every packet and can be held against the link.
    run(["run", suite, "-o", out, "--probe-window", "all"], check_rc=0)
    with open(out) as f:
        report = json.load(f)
    validate(report)
    check(report["scenarios"][0]["probes"]["sampling"]["mode"] == "always", f"{report['scenarios'][0]['probes']}")
    by_name = {s["name"]: s for s in report["scenarios"]}
    for s in report["scenarios"]:
        check(s["status"] == "ok", f"{s['name']}: {s['status']} {s.get('reason')}")
        led = s["drops"]["ledger"]
        check(led["sent"] == led["delivered"] + led["attributed"] + led["unaccounted"], f"{s['name']}: ledger {led}")
        check(abs(led["unaccounted"]) <= max(1, led["sent"] // 1000), f"{s['name']}: unaccounted {led}")

    off, on = by_name["kernel-udp/rps_cpus=0"], by_name["kernel-udp/rps_cpus=3"]
    queues = [q["packets"] for q in off["spread"]["per_rx_queue"]]
    check(len(queues) == 2 and min(queues) > 0, f"both RX queues should receive: {queues}")
    check(sum(queues) == off["trials"][0]["kernel"]["dut_link_rx_packets"], f"per-queue {queues} != link rx")
    check(off["spread"]["rps_moved"] == 0, f"RPS off: rps_moved {off['spread']['rps_moved']}")
    check(on["spread"]["rps_moved"] > 0, "rps_cpus=3: RPS should move packets between CPUs")
    check(on["topology"]["rps_cpus"] == "3", f"topology: {on['topology']}")
    check("absent" in off["queues"]["qdisc_qlen"], "veth's noqueue has no qdisc queue")
    check(off["queues"]["socket_rmem"]["count"] > 0, "socket fill histogram empty")

    tbf = by_name["kernel-udp/qdisc=tbf:5mbit/rate=max"]
    unsent = {d["reason"]: d["count"] for d in tbf["drops"]["unsent"]}
    check(unsent.get("QDISC_DROP", 0) > 0, f"tbf below the offered load should drop: {tbf['drops']}")
    q = tbf["queues"]["qdisc_qlen"]
    check(q.get("count", 0) > 0 and q["max"] > 1, f"qdisc length histogram: {q}")
    check(tbf["topology"]["qdisc"] == "tbf:5mbit", f"topology: {tbf['topology']}")
    # TX stages: qdisc sojourn exists under tbf and is absent (never 0) on noqueue.
    soj = tbf["stages"]["tx_qdisc_sojourn"]
    check(soj.get("count", 0) > 0 and soj["p50"] > 0, f"tbf: qdisc sojourn stage {soj}")
    check("absent" in off["stages"]["tx_qdisc_sojourn"], f"noqueue: {off['stages']['tx_qdisc_sojourn']}")
    rx = off["stages"]["rx_birth_to_netif_receive"]
    check(rx.get("count", 0) > 0 and rx["p50"] <= rx["p99"], f"RX stage: {rx}")

    stream = by_name["kernel-tcp/flows=2/rate=max/tcp_mode=stream"]
    rr = by_name["kernel-tcp/flows=2/rate=max/tcp_mode=rr"]
    check(stream["tcp"]["throughput_bps"] > 0, f"stream: {stream['tcp']}")
    for c in stream["trials"][0]["tcp"]["connections"]:
        check(c["rtt_us"] > 0 and c["snd_cwnd"] > 0, f"tcp_info: {c}")
    check(rr["latency"]["count"] == rr["throughput"]["delivered"] > 100, f"rr: {rr['throughput']}")
    # TCP stages (by skb address): every rr request is one segment, so with the probes always
    # attached nearly every transaction has both samples; UDP's tag-keyed stages are absent.
    for sc in (stream, rr):
        for st in ("tcp_rx_netif_receive_to_tcp_rcv", "tcp_rx_tcp_rcv_to_copy"):
            v = sc["stages"][st]
            check(v.get("count", 0) > 0 and v["p50"] <= v["p99"], f"{sc['name']}: {st} {v}")
        check("absent" in sc["stages"]["rx_birth_to_netif_receive"], f"{sc['name']}: {sc['stages']}")
        check(any(a.startswith("stages:") and "tcp_probe" in a for a in sc["probes"]["active"]), sc["probes"])
    n_rr = rr["stages"]["tcp_rx_tcp_rcv_to_copy"]["count"]
    check(0.9 * rr["throughput"]["delivered"] <= n_rr <= 1.1 * rr["throughput"]["delivered"] + 10,
          f"rr: {n_rr} copy samples for {rr['throughput']['delivered']} transactions")
    check("absent" in off["stages"]["tcp_rx_tcp_rcv_to_copy"], f"udp: {off['stages']['tcp_rx_tcp_rcv_to_copy']}")

    # --probes: none attaches nothing; a list attaches only those families.
    run(["run", "--path", "kernel-udp", "--rate", "10000", "--duration", "1", "--probes", "none", "-o", out], check_rc=0)
    with open(out) as f:
        sc = json.load(f)["scenarios"][0]
    check(sc["probes"]["active"] == [], f"--probes none: {sc['probes']['active']}")
    check(sc["drops"]["ledger"]["unaccounted"] == 0, f"--probes none ledger (counters): {sc['drops']}")
    run(["run", "--path", "kernel-udp", "--rate", "10000", "--duration", "1", "--probes", "spread", "-o", out],
        check_rc=0)
    with open(out) as f:
        sc = json.load(f)["scenarios"][0]
    check(sc["probes"]["active"] and all(a.startswith("spread:") for a in sc["probes"]["active"]),
          f"--probes spread: {sc['probes']['active']}")
    # The default window (100 ms of every 1000 ms): spread sees about a tenth of the packets.
    smp = sc["probes"]["sampling"]
    check(smp["mode"] == "windows" and smp["active_ms"] == 100 and smp["period_ms"] == 1000, f"sampling: {smp}")
    seen = sum(q["packets"] for q in sc["spread"]["per_rx_queue"])
    rx = sc["trials"][0]["kernel"]["dut_link_rx_packets"]
    check(0 < seen <= 0.3 * rx, f"sampled spread saw {seen} of {rx} packets")
    for bad in ["0/100", "200/100", "100", "x/1000", "100/70000"]:
        p = run(["run", "--probe-window", bad, "--dry-run"])
        check(p.returncode == 2 and "--probe-window" in p.stderr, f"--probe-window {bad}: {p.returncode} {p.stderr}")
    # UDP to a closed port: every datagram is attributed to NO_SOCKET, as many as Udp NoPorts.
    with open(suite, "w") as f:
        json.dump({"scenarios": [{"path": "kernel-udp", "dst_port": 7, "rate": 10000, "duration": 1}]}, f)
    run(["run", suite, "-o", out], check_rc=0)
    with open(out) as f:
        sc = json.load(f)["scenarios"][0]
    no_socket = sum(d["count"] for d in sc["drops"]["by_reason"] if d["reason"] == "NO_SOCKET")
    no_ports = sc["counters"]["dut"]["snmp"]["Udp"]["NoPorts"]
    check(sc["throughput"]["delivered"] == 0 and no_socket == sc["throughput"]["sent"] == no_ports,
          f"closed port: NO_SOCKET {no_socket}, NoPorts {no_ports}, {sc['throughput']}")
    p = run(["run", "--probes", "stagez"])
    check(p.returncode == 2 and "--probes" in p.stderr and "stagez" in p.stderr, f"bad --probes: {p.stderr}")
    print(f"rps_moved {on['spread']['rps_moved']}, tbf QDISC_DROP {unsent['QDISC_DROP']}, "
          f"qlen max {q['max']}, stream {stream['tcp']['throughput_bps'] / 1e9:.1f} Gbit/s")
assert_clean_host()
print("PASS")
