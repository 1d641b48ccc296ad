#!/usr/bin/python3
"""The dpdk path on veth (pathbench-dpdk with net_af_xdp and net_af_packet inside the DUT
netns, xdp-live load): the ledger balances at a paced rate, latency comes from the tag,
queues.dpdk_rx_queue holds the rte_eth_rx_queue_count samples or why there are none;
SIGTERM of the run leaves no DPDK process, runtime directory or namespace behind."""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import PATHBENCH, SKIP, assert_clean_host, check, leftovers, require_root, run, validate  # noqa: E402

RATE = 20000

require_root()
assert_clean_host()


def dpdk_leftovers():
    procs = subprocess.run(["pgrep", "-f", "pathbench-dpdk"], capture_output=True, text=True).stdout.split()
    return procs, glob.glob("/var/run/dpdk/pb-*")


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "report.json")
    run(["run", "--path", "dpdk", "--pmd", "af_xdp,af_packet", "--rate", str(RATE), "--duration", "2",
         "--flows", "8", "--queues", "2", "-o", out], check_rc=0, timeout=300)
    with open(out) as f:
        report = json.load(f)
    validate(report)
    for sc in report["scenarios"]:
        name = sc["name"]
        if sc["status"] == "skipped" and "not built" in (sc.get("reason") or ""):
            print(f"SKIP: {sc['reason']}")
            sys.exit(SKIP)
        check(sc["status"] == "ok", f"{name}: {sc['status']}: {sc.get('reason')}")
        th, led = sc["throughput"], sc["drops"]["ledger"]
        check(th["sent"] > RATE, f"{name}: sent only {th['sent']}")
        check(th["delivered"] <= th["sent"], f"{name}: delivered > sent")
        check(led["sent"] == led["delivered"] + led["attributed"] + led["unaccounted"], f"{name}: ledger {led}")
        check(abs(led["unaccounted"]) <= max(1, th["sent"] // 1000), f"{name}: unaccounted {led}")
        for t in sc["trials"]:
            check(sum(t["per_queue"]) == t["delivered"], f"{name}: per-queue {t['per_queue']} != {t['delivered']}")
            check(t["dpdk"]["rx_packets"] >= t["delivered"], f"{name}: rx_packets {t['dpdk']['rx_packets']}")
            if sc["topology"]["pmd"] == "af_packet":
                # The PMD's PACKET sockets: every frame offered to them is counted, ring drops too.
                app = t["dpdk"]
                check(app.get("packet_sockets", 0) >= 1, f"{name}: no PACKET_STATISTICS: {list(app)}")
                check(app["packet_tp_packets"] >= t["delivered"] + app["packet_tp_drops"],
                      f"{name}: tp_packets {app['packet_tp_packets']} < delivered + tp_drops")
        lat = sc["latency"]
        check(lat["count"] == th["delivered"] and 0 < lat["p50"] <= lat["p99"], f"{name}: latency {lat}")
        check(sc["topology"]["pmd"] in ("af_xdp", "af_packet"), f"{name}: topology {sc['topology']}")
        # The scenario's queues are those of its last trial.
        views = [("scenario", sc.get("queues", {}), sc["trials"][-1]["dpdk"])]
        views += [(f"trial {i}", t.get("queues", {}), t["dpdk"]) for i, t in enumerate(sc["trials"])]
        for where, q, app in views:
            e = q.get("dpdk_rx_queue")
            check(e is not None, f"{name}: {where} queues has no dpdk_rx_queue: {list(q)}")
            if "absent" in e:
                # On net_af_xdp / net_af_packet the PMD has no rx_queue_count: ENOTSUP.
                check(e["absent"].startswith("rte_eth_rx_queue_count: ") and app["driver"] in e["absent"],
                      f"{name}: {where} dpdk_rx_queue: {e}")
                check(app["qdepth_supported"] or app["qdepth_error"] in e["absent"],
                      f"{name}: {where} dpdk_rx_queue: {e} does not say {app['qdepth_error']}")
            else:
                check(app["qdepth_supported"], f"{name}: {where}: samples although the app found no support")
                check(e["series"] and e["count"] > 0 and 0 <= e["p50"] <= e["p99"] <= e["max"],
                      f"{name}: {where} dpdk_rx_queue: {e}")
        e = sc["queues"]["dpdk_rx_queue"]
        print(f"{name}: dpdk_rx_queue {e.get('absent') or (e['max'], e['p99'], len(e['series']))}")
        print(f"{name}: sent {th['sent']} delivered {th['delivered']} p50 {lat['p50']} ns p99 {lat['p99']} ns")
    check(dpdk_leftovers() == ([], []), f"left behind: {dpdk_leftovers()}")
    assert_clean_host()

    # A DPDK that cannot start is a skipped scenario with its reason, not a failed run.
    env = dict(os.environ, PATHBENCH_DPDK="/nonexistent/pathbench-dpdk")
    p = subprocess.run([PATHBENCH, "run", "--path", "dpdk", "--rate", "1000", "--duration", "1", "-o",
                        os.path.join(tmp, "skip.json")], capture_output=True, text=True, env=env, timeout=120)
    check(p.returncode == 0, f"unstartable DPDK: exit {p.returncode}: {p.stderr[-1000:]}")
    with open(os.path.join(tmp, "skip.json")) as f:
        sc = json.load(f)["scenarios"][0]
    check(sc["status"] == "skipped" and "could not start" in sc["reason"], f"unstartable DPDK: {sc}")
    assert_clean_host()

    # SIGTERM mid-trial: the run stops its DPDK app and tears everything down.
    p = subprocess.Popen([PATHBENCH, "run", "--path", "dpdk", "--rate", "10000", "--duration", "30",
                          "-o", os.path.join(tmp, "term.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    end = time.time() + 30
    while time.time() < end and not dpdk_leftovers()[0]:
        time.sleep(0.1)
    check(dpdk_leftovers()[0], "pathbench-dpdk never started")
    time.sleep(2)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=60)
    check(p.returncode == 130, f"SIGTERM: exit {p.returncode}")
    check(dpdk_leftovers() == ([], []), f"left behind after SIGTERM: {dpdk_leftovers()}")
    check(leftovers()[0] == [], f"namespaces left: {leftovers()[0]}")
    assert_clean_host()
print("PASS")
