#!/usr/bin/python3
"""kernel-udp end to end in fresh namespaces: the report's numbers agree with the kernel's
own counters, the ledger balances, the paced rate holds, and nothing stays behind."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import assert_clean_host, check, require_root, run, validate  # noqa: E402

PACED = 20000

require_root()
assert_clean_host()
with tempfile.TemporaryDirectory() as tmp:
    suite = os.path.join(tmp, "suite.json")
    out = os.path.join(tmp, "report.json")
    with open(suite, "w") as f:
        f.write("""// two loads through the kernel stack
        {"defaults": {"path": "kernel-udp", "duration": 2, "flows": 8, "queues": 2},
         "scenarios": [{"rate": ["max", %d]}]}""" % PACED)
    # udp_delivery: the per-datagram BPF count, cross-checked against the sink below.
    p = run(["run", suite, "-o", out, "--json", "--probes", "default,udp_delivery"], check_rc=0)
    stdout_report = json.loads(p.stdout)
    with open(out) as f:
        report = json.load(f)
    check(stdout_report == report, "--json output differs from the report file")
    validate(report)
    check(len(report["scenarios"]) == 2, "expected 2 scenarios")

    for sc in report["scenarios"]:
        name = sc["name"]
        check(sc["status"] == "ok", f"{name}: status {sc['status']}: {sc.get('reason')}")
        th, led = sc["throughput"], sc["drops"]["ledger"]
        sent, delivered = th["sent"], th["delivered"]
        check(sent > 0, f"{name}: nothing sent")
        check(delivered <= sent, f"{name}: delivered {delivered} > sent {sent}")
        in_dgrams = sc["counters"]["dut"]["snmp"]["Udp"]["InDatagrams"]
        check(delivered == in_dgrams, f"{name}: delivered {delivered} != DUT Udp InDatagrams delta {in_dgrams}")
        check(led["sent"] == led["delivered"] + led["attributed"] + led["unaccounted"], f"{name}: ledger does not add up: {led}")
        check(abs(led["unaccounted"]) <= max(1, sent // 1000), f"{name}: unaccounted {led['unaccounted']} > 0.1% of {sent}")
        for t in sc["trials"]:
            k = t["kernel"]
            check(t["delivered"] == k["dut_udp_in_datagrams"], f"{name}: trial delivered != InDatagrams: {k}")
            # sent - delivered is what the kernel's UDP drop counters and the link counted.
            check(t["sent"] - t["delivered"] == k["udp_attributed"],
                  f"{name}: sent-delivered {t['sent'] - t['delivered']} != kernel counters {k}")
            check(k.get("bpf_udp_read") == t["delivered"], f"{name}: BPF read {k.get('bpf_udp_read')} != delivered {t['delivered']}")
        lat = sc["latency"]
        check(lat["count"] == delivered, f"{name}: latency count {lat['count']} != delivered {delivered}")
        seq = [lat["min"], lat["p50"], lat["p90"], lat["p99"], lat["p999"], lat["max"]]
        check(seq[0] > 0, f"{name}: zero latency")
        check(all(a <= b for a, b in zip(seq, seq[1:])), f"{name}: percentiles not monotone: {seq}")
        check("drops:tp_btf/kfree_skb" in sc["probes"]["active"], f"{name}: kfree_skb probe not active: {sc['probes']}")
        check("udp_delivery:tp_btf/sock_recv_length" in sc["probes"]["active"], f"{name}: {sc['probes']['active']}")

    paced = report["scenarios"][1]
    check(paced["traffic"]["offered_pps"] == PACED, "second scenario should be paced")
    for t in paced["trials"]:
        check(abs(t["tx_pps"] - PACED) <= 0.02 * PACED, f"paced: tx {t['tx_pps']:.0f} pps not within 2% of {PACED}")
    check(paced["throughput"]["loss_ratio"] < 0.001, f"paced: loss {paced['throughput']['loss_ratio']}")
    m = report["scenarios"][0]["throughput"]
    print(f"max: sent {m['sent']} delivered {m['delivered']} rx {m['rx_pps']:.0f} pps; "
          f"paced: p50 {paced['latency']['p50']} ns p99 {paced['latency']['p99']} ns")

    # A tiny socket buffer: the loss is attributed to SOCKET_RCVBUFF, within 1 % of the
    # kernel's own Udp RcvbufErrors delta.
    with open(suite, "w") as f:
        f.write('{"scenarios": [{"path": "kernel-udp", "rcvbuf": 4096, "rate": "max", "duration": 1, "flows": 8}]}')
    run(["run", suite, "-o", out], check_rc=0)
    with open(out) as f:
        sc = json.load(f)["scenarios"][0]
    check(sc["topology"].get("rcvbuf") == 4096, f"rcvbuf not applied: {sc['topology']}")
    rcvbuf_errors = sc["counters"]["dut"]["snmp"]["Udp"]["RcvbufErrors"]
    attributed = sum(d["count"] for d in sc["drops"]["by_reason"] if d["reason"] == "SOCKET_RCVBUFF")
    check(rcvbuf_errors > 0, "a 4 KiB socket buffer at max rate should overflow")
    check(abs(attributed - rcvbuf_errors) <= 0.01 * rcvbuf_errors,
          f"SOCKET_RCVBUFF {attributed} vs Udp RcvbufErrors {rcvbuf_errors}")
    print(f"rcvbuf 4096: RcvbufErrors {rcvbuf_errors}, SOCKET_RCVBUFF {attributed}")
assert_clean_host()
print("PASS")
