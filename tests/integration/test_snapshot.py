#!/usr/bin/python3
"""`pathbench snapshot` against the classical tools, in fresh namespaces joined by a veth pair,
with a TCP session and a UDP socket the test makes: the --json document validates against
reports/schema/snapshot.schema.json and matches `ip -j -s -s link`, `nstat -asz`, `ss -tiepmn`
and `ethtool -S` read around it; `--diff` of two snapshots around N datagrams shows exactly N;
a kernel-udp run's report carries the new counter groups, and they agree with the link."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import jsonschema

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import PATHBENCH, check, require_root, run, validate  # noqa: E402
from tooltest import Netns, leftover_netns  # noqa: E402

SNAPSHOT_SCHEMA = os.path.join(os.environ.get("PB_SOURCE_ROOT", "."), "reports", "schema", "snapshot.schema.json")
with open(SNAPSHOT_SCHEMA) as f:
    VALIDATOR = jsonschema.Draft202012Validator(json.load(f))

A_IP, B_IP = "198.18.7.1", "198.18.7.2"
TCP_PORT, UDP_PORT, CLIENT_UDP_PORT = 5555, 5556, 5557
N_DATAGRAMS = 200

# The peer: accepts one TCP connection and drains it, drains UDP; runs until killed.
SERVER = f"""
import socket, threading
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("{B_IP}", {UDP_PORT}))
threading.Thread(target=lambda: [u.recv(2048) for _ in iter(int, 1)], daemon=True).start()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("{B_IP}", {TCP_PORT})); s.listen()
print("listening", flush=True)
c, _ = s.accept()
while c.recv(65536): pass
"""
# The client in the snapshot's netns: a TCP session with 256 KiB sent, a bound UDP socket;
# sends N datagrams on "send" and says "sent"; exits on EOF.
CLIENT = f"""
import socket, sys, time
t = socket.create_connection(("{B_IP}", {TCP_PORT}))
t.sendall(b"x" * 262144)
time.sleep(0.3)  # every byte acknowledged: the session is idle from here
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("{A_IP}", {CLIENT_UDP_PORT}))
print("ready", t.getsockname()[1], t.fileno(), u.fileno(), flush=True)
for line in sys.stdin:
    for _ in range({N_DATAGRAMS}):
        u.sendto(b"y" * 64, ("{B_IP}", {UDP_PORT}))
    print("sent", flush=True)
"""


def sh(*args):
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def snapshot(ns, path=None):
    p = run(["snapshot", "--netns", ns.name, "--json"], timeout=30, check_rc=0)
    doc = json.loads(p.stdout)
    errors = sorted(VALIDATOR.iter_errors(doc), key=lambda e: list(e.path))
    check(not errors, f"snapshot breaks its schema: {[e.message[:200] for e in errors[:3]]}")
    if path:
        with open(path, "w") as f:
            f.write(p.stdout)
    return doc


def ip_links(ns):
    return {l["ifname"]: l["stats64"] for l in json.loads(sh(*ns.cmd("ip", "-j", "-s", "-s", "link")))}


def nstat(ns):
    out = {}
    for line in sh(*ns.cmd("nstat", "-asz")).splitlines():
        w = line.split()
        if len(w) >= 2 and not line.startswith("#"):
            out[w[0]] = int(w[1])
    return out


def ethtool_stats(ns, ifname):
    out = {}
    for line in sh(*ns.cmd("ethtool", "-S", ifname)).splitlines()[1:]:
        k, v = line.strip().rsplit(":", 1)
        out[k.strip()] = int(v)
    return out


def between(what, lo, v, hi):
    """A counter read between two reads of the same counter lies between them (mod 2^64)."""
    m = 1 << 64
    check((v - lo) % m <= (hi - lo) % m, f"{what}: {v} not within [{lo}, {hi}]")


# ip -j -s -s link's names for the rtnl_link_stats64 fields the snapshot keeps.
IP_FIELDS = {("rx", "bytes"): "rx_bytes", ("rx", "packets"): "rx_packets", ("rx", "errors"): "rx_errors",
             ("rx", "dropped"): "rx_dropped", ("rx", "over_errors"): "rx_over_errors", ("rx", "multicast"): "multicast",
             ("rx", "length_errors"): "rx_length_errors", ("rx", "crc_errors"): "rx_crc_errors",
             ("rx", "frame_errors"): "rx_frame_errors", ("rx", "fifo_errors"): "rx_fifo_errors",
             ("rx", "missed_errors"): "rx_missed_errors", ("tx", "bytes"): "tx_bytes", ("tx", "packets"): "tx_packets",
             ("tx", "errors"): "tx_errors", ("tx", "dropped"): "tx_dropped", ("tx", "carrier_errors"): "tx_carrier_errors",
             ("tx", "collisions"): "collisions", ("tx", "aborted_errors"): "tx_aborted_errors",
             ("tx", "fifo_errors"): "tx_fifo_errors", ("tx", "window_errors"): "tx_window_errors",
             ("tx", "heartbeat_errors"): "tx_heartbeat_errors"}


def check_links(ns, before, snap, after):
    for ifname in ("lo", "pbs0"):
        for (d, k), name in IP_FIELDS.items():
            between(f"link {ifname} {name}", before[ifname][d][k], snap["link"][ifname][name], after[ifname][d][k])
    # Nothing moves on the idle link (IPv6 off, permanent neighbours, the session idle): equal.
    for (d, k), name in IP_FIELDS.items():
        if before["pbs0"][d][k] == after["pbs0"][d][k]:
            check(snap["link"]["pbs0"][name] == before["pbs0"][d][k], f"pbs0 {name}: {snap['link']['pbs0'][name]}")


def check_nstat(before, snap, after):
    ours = {g + k: v for g, c in snap["snmp"].items() for k, v in c.items()}
    missing = sorted(set(before) - set(ours))
    check(not missing, f"nstat names the snapshot lacks: {missing[:10]}")
    for name, v in before.items():
        between(f"nstat {name}", v, ours[name], after[name])
    check(len(before) > 100, f"nstat printed only {len(before)} counters")
    return len(before)


SS_LINE = re.compile(r"^ESTAB\s+(\d+)\s+(\d+)\s+\S+:(\d+)\s+\S+:(\d+)\s+users:\(\(\"([^\"]+)\",pid=(\d+),fd=(\d+)\)\)")


def ss_session(ns, lport):
    """ss -tiepmn's view of the client's session: the header line and its detail line."""
    lines = sh(*ns.cmd("ss", "-tiepmnH", "state", "established")).splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\d+)\s+(\d+)\s+\S+:(\d+)\s+\S+:(\d+)\s+(.*)$", line)
        if m and int(m.group(3)) == lport:
            detail = " ".join(lines[i:i + 2])
            users = re.search(r'users:\(\("([^"]+)",pid=(\d+),fd=(\d+)\)\)', detail)
            field = lambda pat: re.search(pat, detail)  # noqa: E731
            return {"rq": int(m.group(1)), "sq": int(m.group(2)), "dport": int(m.group(4)),
                    "comm": users.group(1), "pid": int(users.group(2)), "fd": int(users.group(3)),
                    "cwnd": int(field(r"\bcwnd:(\d+)").group(1)),
                    "rtt_ms": float(field(r"\brtt:([\d.]+)/").group(1)),
                    "rb": int(field(r"skmem:\(r\d+,rb(\d+)").group(1)),
                    "bytes_acked": int(field(r"bytes_acked:(\d+)").group(1)),
                    "cong": field(r"\b(cubic|bbr|reno)\b").group(1)}
    raise AssertionError(f"ss shows no session on port {lport}:\n" + "\n".join(lines))


def check_session(snap, ss, lport, client):
    socks = [s for s in snap["sockets"] if s["netid"] == "tcp" and s["lport"] == lport]
    check(len(socks) == 1, f"snapshot sockets on port {lport}: {socks}")
    s = socks[0]
    ti = s["tcp_info"]
    check(s["state"] == "ESTAB" and s["local"] == A_IP and s["peer"] == B_IP and s["pport"] == TCP_PORT, f"{s}")
    check((s["recv_q"], s["send_q"]) == (ss["rq"], ss["sq"]) == (0, 0), f"queues {s['recv_q']} {s['send_q']} vs ss {ss}")
    check(ti["snd_cwnd"] == ss["cwnd"], f"cwnd {ti['snd_cwnd']} vs ss {ss['cwnd']}")
    # srtt moves only on an ACK; the session is idle, so the two reads agree to ss's rounding
    # (it prints ms with 3 decimals).
    check(abs(ti["rtt"] / 1000 - ss["rtt_ms"]) <= 0.002, f"rtt {ti['rtt']} us vs ss {ss['rtt_ms']} ms")
    check(s["skmem"]["rcvbuf"] == ss["rb"], f"skmem rb {s['skmem']['rcvbuf']} vs ss {ss['rb']}")
    check(ti["bytes_acked"] == ss["bytes_acked"], f"bytes_acked {ti['bytes_acked']} vs ss {ss['bytes_acked']}")
    check(ti["bytes_acked"] >= 262144, f"bytes_acked {ti['bytes_acked']}: the 256 KiB were not all acknowledged")
    check(s.get("cong") == ss["cong"], f"cong {s.get('cong')} vs ss {ss['cong']}")
    users = [(u["comm"], u["pid"], u["fd"]) for u in s["users"]]
    check((ss["comm"], ss["pid"], ss["fd"]) in users and users[0][1] == client.pid, f"users {users} vs ss {ss}, pid {client.pid}")
    udp = [s for s in snap["sockets"] if s["netid"] == "udp" and s["lport"] == CLIENT_UDP_PORT]
    check(len(udp) == 1 and udp[0]["state"] == "UNCONN" and udp[0]["users"][0]["pid"] == client.pid, f"udp {udp}")


def check_ethtool(ns, snap):
    before = ethtool_stats(ns, "pbs0")
    ours = snap["ethtool"]["pbs0"]
    check(ours == before, f"ethtool -S pbs0 {before} vs snapshot {ours}")  # veth's stats do not move here
    e = snap["links"]["pbs0"]["ethtool"]
    check(e["rss"].get("errno") == "EOPNOTSUPP", f"veth has no RSS table: {e['rss']}")
    check(e["driver"]["driver"] == "veth", f"driver {e['driver']}")
    check(e["channels"]["rx_count"] == 1 and e["channels"]["max_rx"] >= 1, f"channels {e['channels']}")
    check(e["features"]["rx-gro"] in ("on", "off"), f"features {e['features'].get('rx-gro')}")
    q = snap["links"]["pbs0"]["queues"]
    check(q["rx-0"]["rps_cpus"] in ("0", "00") and q["tx-0"]["xps_rxqs"] == "0", f"queues {q}")
    check("lo" not in snap["ethtool"] and "stats_error" in snap["links"]["lo"]["ethtool"], "lo has no driver stats")


def check_host_wide(snap):
    cpus = snap["softnet_cpu"]
    # One read of softnet_stat gives both: the sum is exact.
    for k in ("processed", "dropped", "time_squeeze", "received_rps", "flow_limit_count"):
        check(sum(c[k] for c in cpus.values()) == snap["softnet"][k], f"softnet {k}: per CPU vs sum")
    check(len(cpus) == os.cpu_count() and all(len(c) >= 14 for c in cpus.values()), f"softnet_cpu {cpus}")
    check(set(snap["softirqs"]) == {"NET_RX", "NET_TX"} and set(snap["softirqs"]["NET_RX"]) == set(cpus), f"{snap['softirqs']}")
    check(snap["sockstat"]["TCP"]["inuse"] >= 1 and snap["sockstat"]["UDP"]["inuse"] >= 1, f"sockstat {snap['sockstat']}")
    check(snap["sysctls"]["net.core.netdev_max_backlog"].isdigit(), f"{snap['sysctls']}")
    check(snap["sysctls"]["net.ipv4.tcp_rmem"] == " ".join(sh("cat", "/proc/sys/net/ipv4/tcp_rmem").split()), "tcp_rmem")


def check_text(ns, lport, client):
    p = run(["snapshot", "--netns", ns.name], timeout=30, check_rc=0)
    for title in ("== ss -tuaiepm ==", "== ip -s -s link ==", "== netstat -i ==", "== nstat -az ==",
                  "== ethtool -S pbs0 ==", "== ethtool -k pbs0 ==", "== softnet", "== softirqs",
                  "== sar -n SOCK ==", "== sysctl =="):
        check(title in p.stdout, f"text output lacks {title!r}")
    check(re.search(rf"{A_IP}:{lport} .*users:\(\(\"python3\",pid={client.pid},", p.stdout), "text ss line of the session")
    check("not supported: ethtool GRSSH pbs0: Operation not supported" in p.stdout, "ethtool -x shows not supported")


def check_diff(ns, tmp, client):
    a, b = os.path.join(tmp, "a.json"), os.path.join(tmp, "b.json")
    snapshot(ns, a)
    client.stdin.write("send\n")
    client.stdin.flush()
    check(client.stdout.readline().strip() == "sent", "client did not send")
    time.sleep(0.1)
    snapshot(ns, b)
    p = run(["snapshot", "--diff", a, b, "--json"], timeout=30, check_rc=0)
    d = json.loads(p.stdout)
    errors = sorted(VALIDATOR.iter_errors(d), key=lambda e: list(e.path))
    check(not errors, f"diff breaks the schema: {[e.message[:200] for e in errors[:3]]}")
    link = d["changed"]["link"]["pbs0"]
    check(link["tx_packets"]["delta"] == N_DATAGRAMS, f"diff tx_packets {link['tx_packets']} != {N_DATAGRAMS}")
    check("rx_packets" not in link, f"pbs0 received while idle: {link.get('rx_packets')}")
    check(d["changed"]["snmp"]["Udp"]["OutDatagrams"]["delta"] == N_DATAGRAMS, f"{d['changed']['snmp']['Udp']}")
    rate = N_DATAGRAMS / d["interval_s"]
    check(abs(d["sar"]["DEV"]["pbs0"]["txpck/s"] - rate) < 1e-6 * rate, f"sar txpck/s {d['sar']['DEV']['pbs0']}")
    check(abs(link["tx_packets"]["rate"] - rate) < 1e-6 * rate, f"rate {link['tx_packets']}")
    text = run(["snapshot", "--diff", a, b], timeout=30, check_rc=0).stdout
    check("== sar -n DEV ==" in text and re.search(rf"pbs0 tx_packets\s+{N_DATAGRAMS}\s", text), f"diff text:\n{text[:3000]}")
    check(re.search(rf"UdpOutDatagrams\s+{N_DATAGRAMS}\s", text), "diff text: nstat line")
    # Bad files: exit 2, naming the file.
    bad = os.path.join(tmp, "bad.json")
    report = os.path.join(tmp, "report.json")
    with open(bad, "w") as f:
        f.write("{not json")
    with open(report, "w") as f:
        json.dump({"schema_version": 1, "context": {}, "scenarios": []}, f)
    for args, needle in ((["--diff", a, os.path.join(tmp, "nope.json")], "nope.json: cannot read"),
                         (["--diff", bad, b], "bad.json: not valid JSON"),
                         (["--diff", report, b], "report.json: not a pathbench snapshot")):
        p = run(["snapshot", *args], timeout=30, check_rc=2)
        check(needle in p.stderr, f"snapshot {args}: stderr {p.stderr!r} lacks {needle!r}")
        p = run(["snapshot", *args, "--json"], timeout=30, check_rc=2)
        check(needle in json.loads(p.stdout)["error"], f"--json error {p.stdout}")
    p = run(["snapshot", "--diff", b, a], timeout=30, check_rc=2)
    check("was not taken after" in p.stderr, p.stderr)
    p = run(["snapshot", "--netns", "pbtool-no-such-netns"], timeout=30, check_rc=2)
    check("--netns" in p.stderr, p.stderr)


def check_run_report(tmp):
    out = os.path.join(tmp, "run.json")
    run(["run", "--path", "kernel-udp", "--duration", "1", "--rate", "20000", "-o", out], timeout=120, check_rc=0)
    with open(out) as f:
        report = json.load(f)
    validate(report)
    sc = report["scenarios"][0]
    check(sc["status"] == "ok", f"{sc.get('reason')}")
    for side, ifname in (("dut", "pb-dut0"), ("tg", "pb-tg0")):
        c = sc["counters"][side]
        for group in ("ethtool", "softnet_cpu", "softirqs", "sockstat"):
            check(group in c, f"{side} counters lack {group}: {list(c)}")
    dut = sc["counters"]["dut"]
    rx = dut["link"]["pb-dut0"]["rx_packets"]
    xdp = sum(v for k, v in dut["ethtool"]["pb-dut0"].items() if re.fullmatch(r"rx_queue_\d+_xdp_packets", k))
    # veth counts every packet its NAPI poll takes (GRO on the DUT end) per RX queue.
    check(xdp == rx and rx >= sc["throughput"]["delivered"] > 0, f"ethtool rx_queue_*_xdp_packets {xdp} vs rx_packets {rx}")
    processed = sum(c["processed"] for c in dut["softnet_cpu"].values())
    check(processed == dut["softnet"]["processed"], f"softnet per CPU {processed} vs sum {dut['softnet']['processed']}")
    check(sum(dut["softirqs"]["NET_RX"].values()) > 0, f"NET_RX {dut['softirqs']}")


def main():
    require_root()
    ns, peer = Netns("snap"), Netns("peer")
    procs = []
    try:
        for n, ifname, ip in ((ns, "pbs0", A_IP), (peer, "pbs1", B_IP)):
            sh(*n.cmd("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"))
        sh("ip", "link", "add", "pbs0", "netns", ns.name, "type", "veth", "peer", "name", "pbs1", "netns", peer.name)
        macs = {}
        for n, ifname, ip in ((ns, "pbs0", A_IP), (peer, "pbs1", B_IP)):
            sh("ip", "-n", n.name, "addr", "add", f"{ip}/24", "dev", ifname)
            sh("ip", "-n", n.name, "link", "set", ifname, "up")
            macs[ifname] = json.loads(sh("ip", "-j", "-n", n.name, "link", "show", ifname))[0]["address"]
        # No ARP during the test: a neighbour probe would move the counters compared below.
        sh("ip", "-n", ns.name, "neigh", "add", B_IP, "lladdr", macs["pbs1"], "dev", "pbs0", "nud", "permanent")
        sh("ip", "-n", peer.name, "neigh", "add", A_IP, "lladdr", macs["pbs0"], "dev", "pbs1", "nud", "permanent")
        server = subprocess.Popen(peer.cmd("python3", "-c", SERVER), stdout=subprocess.PIPE, text=True)
        procs.append(server)
        check(server.stdout.readline().strip() == "listening", "server did not start")
        client = subprocess.Popen(ns.cmd("python3", "-c", CLIENT), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(client)
        ready = client.stdout.readline().split()
        check(ready[:1] == ["ready"], f"client: {ready}")
        lport = int(ready[1])

        with tempfile.TemporaryDirectory() as tmp:
            links0, nstat0, ss = ip_links(ns), nstat(ns), ss_session(ns, lport)
            t0 = time.monotonic()
            snap = snapshot(ns)
            took = time.monotonic() - t0
            links1, nstat1 = ip_links(ns), nstat(ns)
            check(snap["netns"] == ns.name and snap["kind"] == "pathbench-snapshot", "kind, netns")
            check_links(ns, links0, snap, links1)
            n = check_nstat(nstat0, snap, nstat1)
            check_session(snap, ss, lport, client)
            check_ethtool(ns, snap)
            check_host_wide(snap)
            check_text(ns, lport, client)
            check_diff(ns, tmp, client)
            print(f"snapshot took {took * 1000:.0f} ms (process included); {n} nstat counters matched; "
                  f"session port {lport}, cwnd {snap['sockets'] and ss['cwnd']}, rtt {ss['rtt_ms']} ms")
            check_run_report(tmp)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        ns.close()
        peer.close()
    check(leftover_netns() == [], f"netns left: {leftover_netns()}")
    print("ok")


main()
