#!/usr/bin/python3
"""pathbench probe socketio, socksize, sormem, tcptop and netsize end to end (root). Each check
makes its own netns, causes a known workload there and holds the tools' numbers against what
pathbench did not compute: the calls, sizes and bytes the test's own programs made, the
netns' Udp RcvbufErrors counter and a ping socket's drops, and bpftrace running the book's tracepoint scripts (or
their equivalent) on the same events at the same time."""
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import assert_clean_host, check, require_root, run  # noqa: E402
from tooltest import SCHEMA, Netns, Tool, json_lines, leftover_netns  # noqa: E402

require_root()
assert_clean_host()
T0 = time.monotonic()

# 100 datagrams of each of 10 sizes, one size per power-of-two row.
SIZES = [3, 20, 50, 100, 200, 400, 1000, 2000, 5000, 9000]
PER_SIZE = 100
PEEKS = 100     # MSG_PEEK reads before the first 100 real ones: calls for socketio, not sizes for socksize
EAGAINS = 5     # non-blocking reads of an empty socket: calls that return -EAGAIN
RX_PORT, TX_PORT = 7001, 7002
IP_UDP, ETH = 28, 14  # IPv4 + UDP header, Ethernet header (lo has one)

UDP = r"""
import ctypes, json, os, socket, sys
ctypes.CDLL(None).prctl(15, b"pbudp", 0, 0, 0)
sizes, per, peeks, eagains, rx_port, tx_port = json.loads(sys.argv[1])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
r.bind(("127.0.0.1", rx_port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", tx_port))
s.connect(("127.0.0.1", rx_port))
print(os.getpid(), flush=True)
sys.stdin.readline()
n = 0
for size in sizes:
    for _ in range(per):
        s.send(b"u" * size)
        if n < peeks:
            r.recv(65536, socket.MSG_PEEK)
        assert len(r.recv(65536)) == size
        n += 1
for _ in range(eagains):
    try:
        r.recv(16, socket.MSG_DONTWAIT)
    except BlockingIOError:
        pass
print(n, flush=True)
"""


class Bpftrace:
    """bpftrace -f json running `script` until finish(); the constructor returns once its probes are attached."""

    def __init__(self, script, tmp):
        path = os.path.join(tmp, f"script-{len(os.listdir(tmp))}.bt")
        with open(path, "w") as f:
            # BEGIN runs once every probe is attached ("attached_probes" comes before that).
            f.write('BEGIN { printf("pbtest-ready\\n"); }\n' + script)
        self.proc = subprocess.Popen(["bpftrace", "-f", "json", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        seen = ""
        while "pbtest-ready" not in seen:
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                raise AssertionError(f"bpftrace did not start: {seen}{self.proc.stderr.read()}")
            seen += line

    def finish(self):
        """The maps printed at exit: name -> value (a number, a dict of keys, or a list of
        log2 rows {min, max, count})."""
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=30)
        maps = {}
        for line in out.splitlines():
            if line.strip():
                obj = json.loads(line)
                if obj["type"] in ("map", "hist"):
                    maps.update(obj["data"])
        check(self.proc.returncode == 0, f"bpftrace exit {self.proc.returncode}: {err}")
        self.out = out
        return maps


def log2_rows(h):
    """A pathbench histogram (JSON, log-linear buckets) in bpftrace's power-of-two rows:
    {row minimum: count}. The buckets never straddle a power of two, so each one's upper
    bound names its row."""
    rows = {}
    for upper, count in h["histogram"]:
        lo = 0 if upper == 0 else 1 << int(math.log2(upper))
        rows[lo] = rows.get(lo, 0) + count
    return rows


def bpftrace_rows(rows):
    return {r["min"]: r["count"] for r in rows if r["count"]}


def bucket_counts(h, values):
    """How many recorded values fall in the bucket of each of `values` (a bucket holds v
    when its upper bound is in [v, v * 1.01))."""
    return {v: sum(c for upper, c in h["histogram"] if v <= upper < v * 1.01 + 1) for v in values}


def summaries(lines):
    out = [x for x in lines if x["type"] == "summary"]
    check(out and out[-1]["final"] and not any(s["final"] for s in out[:-1]), f"one final summary last: {out}")
    return out


def check_list():
    p = run(["probe", "--schema"], check_rc=0)
    check(json.loads(p.stdout) == SCHEMA,
          "reports/schema/tools.schema.json differs from `pathbench probe --schema`: regenerate it")
    p = run(["probe", "--list", "--json"], check_rc=0)
    entries = {e["name"]: e for e in json_lines(p.stdout, "probe --list --json")}
    for name in ("socketio", "socksize", "sormem", "tcptop", "netsize"):
        check(name in entries and entries[name]["works"], f"{name} should work here: {entries.get(name)}")
    check([f["name"] for f in entries["tcptop"]["summary_fields"]] == ["pid", "comm", "laddr", "raddr", "rx_kb", "tx_kb"],
          entries["tcptop"])
    check([f["name"] for f in entries["netsize"]["histograms"]] == ["recv", "send", "nic_recv", "nic_send"],
          entries["netsize"])
    p = run(["probe", "netsize", "--pid", "1"])
    check(p.returncode == 2 and "--pid" in p.stderr, f"netsize takes no --pid: exit {p.returncode} {p.stderr}")


def check_udp(tmp):
    """socketio, socksize and netsize on 1000 datagrams of known sizes over lo, beside bpftrace."""
    ns = Netns("udp")
    procs, tools = [], {}
    try:
        work = subprocess.Popen(ns.cmd(sys.executable, "-c", UDP, json.dumps([SIZES, PER_SIZE, PEEKS, EAGAINS, RX_PORT,
                                                                               TX_PORT])),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(work)
        pid = int(work.stdout.readline())
        base = ["--netns", ns.name, "--json"]
        tools["socketio"] = Tool(["socketio", *base], tmp)
        tools["socketio_filtered"] = Tool(["socketio", *base, "--pid", str(pid), "--comm", "pbudp", "--rport",
                                           str(RX_PORT)], tmp)
        for f in ("raw_tp", "tracepoint"):
            tools[f"socketio_{f}"] = Tool(["socketio", *base, "--hook-flavour", f], tmp)
        tools["socksize"] = Tool(["socksize", *base, "--interval", "0.3"], tmp)
        tools["socksize_text"] = Tool(["socksize", "--netns", ns.name, "--log2"], tmp)
        tools["netsize"] = Tool(["netsize", *base], tmp)
        tools["netsize_tracepoint"] = Tool(["netsize", *base, "--hook-flavour", "tracepoint"], tmp)
        # The book's socketio/socksize on the same tracepoints (pid-filtered) and its
        # netsize.bt (tracepoint-only; netif_rx_entry is lo's driver handover), netns-filtered.
        in_ns = f"((struct sk_buff *)args->skbaddr)->dev->nd_net.net->ns.inum == {ns.inode}"
        bt = Bpftrace(f"""
tracepoint:sock:sock_send_length /pid == {pid}/ {{ @calls["write"] = count(); if (args->ret > 0) {{ @write_bytes = hist(args->ret); }} }}
tracepoint:sock:sock_recv_length /pid == {pid}/ {{ @calls["read"] = count(); if (args->ret > 0 && !(args->flags & 2)) {{ @read_bytes = hist(args->ret); }} }}
tracepoint:net:netif_receive_skb /{in_ns}/ {{ @recv_bytes = hist(args->len); }}
tracepoint:net:net_dev_queue /{in_ns}/ {{ @send_bytes = hist(args->len); }}
tracepoint:net:netif_rx_entry /{in_ns}/ {{ @nic_recv_bytes = hist(args->len); }}
tracepoint:net:net_dev_xmit /{in_ns}/ {{ @nic_send_bytes = hist(args->len); }}
""", tmp)
        work.stdin.write("go\n")
        work.stdin.flush()
        n = int(work.stdout.readline())
        check(work.wait(timeout=30) == 0 and n == len(SIZES) * PER_SIZE, f"workload failed: {n}")
        time.sleep(0.4)
        bt_maps = bt.finish()
        out = {name: t.finish(signal.SIGINT) for name, t in tools.items()}
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        ns.close()
    n = len(SIZES) * PER_SIZE
    total = PER_SIZE * sum(SIZES)

    # socketio: every call, as the test made them.
    io = {name: summaries(json_lines(out[name], name))[-1] for name in out if name.startswith("socketio")}
    rows = {(r["comm"], r["pid"], r["dir"], r["protocol"], r["rport"]): r for r in io["socketio"]["rows"]}
    want = {("pbudp", pid, "write", "UDP", RX_PORT): (n, total, 0),
            ("pbudp", pid, "read", "UDP", 0): (n + PEEKS + EAGAINS, total + PER_SIZE * SIZES[0], EAGAINS)}
    got = {k: (r["count"], r["bytes"], r["errors"]) for k, r in rows.items()}
    check(got == want, f"socketio rows {got}, expected {want}")
    check(bt_maps.get("@calls") == {"write": n, "read": n + PEEKS + EAGAINS}, f"bpftrace calls: {bt.out}")
    filtered = [(r["dir"], r["rport"], r["count"]) for r in io["socketio_filtered"]["rows"]]
    check(filtered == [("write", RX_PORT, n)], f"socketio --pid --comm --rport {RX_PORT}: {filtered}")
    for f in ("raw_tp", "tracepoint"):
        err = tools[f"socketio_{f}"].err
        check(f"tracing with {f}/" in err and err.count(f"{f}/") == 2 and "sock_send_length" in err, err)
        twin = {(r["comm"], r["pid"], r["dir"], r["protocol"], r["rport"]): (r["count"], r["bytes"], r["errors"])
                for r in io[f"socketio_{f}"]["rows"]}
        check(twin == want, f"socketio --hook-flavour {f}: {twin}")

    # socksize: 1000 reads and 1000 writes, 100 of each size; the peeks are not sizes.
    lines = json_lines(out["socksize"], "socksize")
    ss = summaries(lines)
    final = ss[-1]
    for d in ("read", "write"):
        h = final["histograms"][d]
        check(h["count"] == n, f"socksize {d}: count {h['count']}, expected {n}")
        counts = bucket_counts(h, SIZES)
        check(all(c == PER_SIZE for c in counts.values()), f"socksize {d} buckets by size: {counts}")
        check(log2_rows(h) == bpftrace_rows(bt_maps[f"@{d}_bytes"]),
              f"socksize {d} vs bpftrace: {log2_rows(h)} != {bpftrace_rows(bt_maps[f'@{d}_bytes'])}")
        per_interval = sum(s["histograms"][d]["count"] for s in ss[:-1])
        check(per_interval <= n, f"interval {d} counts {per_interval} exceed {n}")
    rows = {(r["comm"], r["dir"]): (r["count"], r["total"]) for r in final["rows"]}
    check(rows == {("pbudp", "read"): (n, total), ("pbudp", "write"): (n, total)}, f"socksize rows {rows}")
    check(len(ss) > 1, "socksize: no interval summary")
    text = out["socksize_text"]
    check("read (bytes): count 1000" in text and "write (bytes): count 1000" in text and "[8K, 16K)" in text and
          "pbudp" in text, f"socksize --log2 text:\n{text}")

    # netsize: each datagram once at every stage of lo's path.
    for name in ("netsize", "netsize_tracepoint"):
        hs = summaries(json_lines(out[name], name))[-1]["histograms"]
        for hist, extra in (("recv", IP_UDP), ("send", IP_UDP + ETH), ("nic_recv", IP_UDP), ("nic_send", IP_UDP + ETH)):
            h = hs[hist]
            lens = [s + extra for s in SIZES]
            check(h["count"] == n, f"{name} {hist}: count {h['count']}, expected {n}")
            counts = bucket_counts(h, lens)
            check(all(c == PER_SIZE for c in counts.values()), f"{name} {hist} buckets by length: {counts}")
            ref = bpftrace_rows(bt_maps[f"@{hist}_bytes"])
            check(log2_rows(h) == ref, f"{name} {hist} vs bpftrace netsize.bt: {log2_rows(h)} != {ref}")
    check("tracing with tracepoint/net/" in tools["netsize_tracepoint"].err, tools["netsize_tracepoint"].err)
    return (f"udp: socketio {n} writes + {n + PEEKS + EAGAINS} reads ({EAGAINS} errors) = bpftrace; socksize and netsize "
            f"{n} per histogram in the right buckets = bpftrace's log2 rows (tp_btf, raw_tp, tracepoint)")


RMEM = r"""
import json, socket, sys
port, n, size = map(int, sys.argv[1:4])
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
r.bind(("127.0.0.1", port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(n):
    s.sendto(b"r" * size, ("127.0.0.1", port))
print(json.dumps(r.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)), flush=True)
"""


def udp_snmp(ns):
    text = subprocess.run(ns.cmd("cat", "/proc/net/snmp"), capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in text.splitlines() if line.startswith("Udp:")]
    return {k: int(v) for k, v in zip(rows[0][1:], rows[1][1:])}


def check_sormem(tmp):
    """A UDP socket with an 8 KiB SO_RCVBUF (16 KiB once doubled) flooded: every overflow is one kfree_skb
    SOCKET_RCVBUFF line and one udp_fail_queue_rcv_skb line, as many as Udp RcvbufErrors."""
    port, n, size = 7003, 300, 500
    ns = Netns("rmem")
    try:
        before = udp_snmp(ns)["RcvbufErrors"]
        tool = Tool(["sormem", "--netns", ns.name, "--json"], tmp)
        twin = Tool(["sormem", "--netns", ns.name, "--json", "--hook-flavour", "raw_tp"], tmp)
        bt = Bpftrace(f"""
tracepoint:skb:kfree_skb /args->reason == SKB_DROP_REASON_SOCKET_RCVBUFF && ((struct sock *)args->rx_sk)->__sk_common.skc_net.net->ns.inum == {ns.inode}/ {{ @drops = count(); }}
tracepoint:udp:udp_fail_queue_rcv_skb /args->dport == {port}/ {{ @fails = count(); }}
""", tmp)
        p = subprocess.run(ns.cmd(sys.executable, "-c", RMEM, str(port), str(n), str(size)), capture_output=True,
                           text=True, check=True, timeout=30)
        rcvbuf = json.loads(p.stdout)
        errors = udp_snmp(ns)["RcvbufErrors"] - before
        time.sleep(0.3)
        bt_maps = bt.finish()
        lines = json_lines(tool.finish(signal.SIGINT), "sormem")
        twin_lines = json_lines(twin.finish(signal.SIGINT), "sormem --hook-flavour raw_tp")
    finally:
        ns.close()
    check(0 < errors < n - 5, f"Udp RcvbufErrors delta {errors} of {n} datagrams: a few fit, then overflows")
    for name, ls in (("tp_btf", lines), ("raw_tp", twin_lines)):
        events = [x for x in ls if x["type"] == "event"]
        final = summaries(ls)[-1]
        rows = {r["event"]: r["count"] for r in final["rows"]}
        check(rows == {"kfree_skb:SOCKET_RCVBUFF": errors, "udp_fail_queue_rcv_skb": errors},
              f"sormem ({name}) rows {rows}, Udp RcvbufErrors {errors}")
        drops = [e for e in events if e["event"] == "kfree_skb:SOCKET_RCVBUFF"]
        fails = [e for e in events if e["event"] == "udp_fail_queue_rcv_skb"]
        check(len(drops) == len(fails) == errors and len(events) == 2 * errors, f"sormem ({name}) events: {len(events)}")
        for e in drops + fails:
            check(e["protocol"] == "UDP" and e["lport"] == port and e["rcvbuf"] == rcvbuf and e["truesize"] > size and
                  e["rmem_alloc"] + e["truesize"] > rcvbuf, f"overflow line: {e} (SO_RCVBUF {rcvbuf})")
        check(all(e["detail"] == "rc=-12" for e in fails), f"udp_fail rc: {[e['detail'] for e in fails][:5]}")
        hs = final["histograms"]
        # sk_data_ready fires once per datagram queued: those that did not overflow.
        check(hs["rmem_alloc"]["count"] == n - errors and hs["rmem_limit"]["count"] == n - errors,
              f"sormem ({name}) samples {hs['rmem_alloc']['count']}, expected {n - errors} queued")
        # Each sample holds the skb just queued; UDP queues one more while rmem + truesize fits.
        check(bucket_counts(hs["rmem_limit"], [rcvbuf])[rcvbuf] == n - errors and hs["rmem_alloc"]["min"] > size,
              f"rmem_limit at SO_RCVBUF {rcvbuf}: {hs['rmem_limit']}, rmem_alloc min {hs['rmem_alloc']['min']}")
    check(bt_maps.get("@drops") == errors and bt_maps.get("@fails") == errors, f"bpftrace {bt_maps}, RcvbufErrors {errors}")
    return f"sormem: {errors} overflows = Udp RcvbufErrors = bpftrace (kfree_skb and udp_fail lines), {n - errors} " \
           f"enqueue samples at rcvbuf {rcvbuf}"


PING = r"""
import socket, struct, sys
n, size = map(int, sys.argv[1:3])
p = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
p.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
for seq in range(n):
    p.sendto(struct.pack("!BBHHH", 8, 0, 0, 0, seq) + b"p" * size, ("127.0.0.1", 0))
port = p.getsockname()[1]
rows = [line.split() for line in open("/proc/net/icmp").read().splitlines()[1:]]
print(port, sum(int(r[-1]) for r in rows if int(r[1].split(":")[1], 16) == port), flush=True)
"""


def check_sormem_ping(tmp):
    """A ping socket (sock_queue_rcv_skb's path) with its echo replies unread: every overflow
    is a sock_rcvqueue_full line and a kfree_skb SOCKET_RCVBUFF line, as many as the socket's
    drops in /proc/net/icmp."""
    n, size = 300, 500
    ns = Netns("ping")
    try:
        subprocess.run(ns.cmd("sysctl", "-qw", "net.ipv4.ping_group_range=0 0"), check=True)
        tool = Tool(["sormem", "--netns", ns.name, "--json"], tmp)
        port, drops = map(int, subprocess.run(ns.cmd(sys.executable, "-c", PING, str(n), str(size)), capture_output=True,
                                              text=True, check=True, timeout=30).stdout.split())
        time.sleep(0.3)
        lines = json_lines(tool.finish(signal.SIGINT), "sormem (ping)")
    finally:
        ns.close()
    check(0 < drops < n - 5, f"ping socket drops {drops} of {n} replies: a few fit, then overflows")
    final = summaries(lines)[-1]
    rows = {r["event"]: r["count"] for r in final["rows"]}
    check(rows == {"kfree_skb:SOCKET_RCVBUFF": drops, "sock_rcvqueue_full": drops}, f"sormem rows {rows}, drops {drops}")
    events = [x for x in lines if x["type"] == "event"]
    check(len(events) == 2 * drops and all(e["protocol"] == "PING" and e["lport"] == port and
                                           e["rmem_alloc"] >= e["rcvbuf"] for e in events),
          f"ping overflow lines: {events[:2]}")
    check(final["histograms"]["rmem_alloc"]["count"] == n - drops, f"enqueue samples {final['histograms']['rmem_alloc']}")
    return f"sormem: {drops} ping-socket overflows = /proc/net/icmp drops (sock_rcvqueue_full and kfree_skb lines)"


TCP_SERVER = r"""
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, b"pbtcpsrv", 0, 0, 0)
port, a, b = map(int, sys.argv[1:4])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
print("ready", flush=True)
c, _ = srv.accept()
got = 0
while got < a:
    got += len(c.recv(65536))
c.sendall(b"y" * b)
c.recv(1)
c.close()
"""

TCP_CLIENT = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, b"pbtcpcli", 0, 0, 0)
port, a, b = map(int, sys.argv[1:4])
print(os.getpid(), flush=True)
sys.stdin.readline()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"x" * a)
got = 0
while got < b:
    got += len(s.recv(65536))
print(s.getsockname()[1], flush=True)
s.close()
"""


def check_tcptop(tmp):
    """One TCP session, 300 KiB one way and 100 KiB back: one row per end with its KiB."""
    port, a, b = 5003, 300 * 1024, 100 * 1024
    ns = Netns("tcp")
    procs = []
    try:
        server = subprocess.Popen(ns.cmd(sys.executable, "-c", TCP_SERVER, str(port), str(a), str(b)),
                                  stdout=subprocess.PIPE, text=True)
        procs.append(server)
        check(server.stdout.readline().strip() == "ready", "server did not start")
        client = subprocess.Popen(ns.cmd(sys.executable, "-c", TCP_CLIENT, str(port), str(a), str(b)),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(client)
        cpid = int(client.stdout.readline())
        tool = Tool(["tcptop", "--netns", ns.name, "--json", "--interval", "0.3"], tmp)
        text_tool = Tool(["tcptop", "--netns", ns.name], tmp)
        in_ns = f"((struct sock *)args->sk)->__sk_common.skc_net.net->ns.inum == {ns.inode}"
        bt = Bpftrace(f"""
tracepoint:sock:sock_send_length /args->protocol == 6 && args->ret > 0 && {in_ns}/ {{ @tx[pid] = sum(args->ret); }}
tracepoint:sock:sock_recv_length /args->protocol == 6 && args->ret > 0 && !(args->flags & 2) && {in_ns}/ {{ @rx[pid] = sum(args->ret); }}
""", tmp)
        out, _ = client.communicate("go\n", timeout=30)
        cport = int(out)
        check(server.wait(timeout=30) == 0 and client.returncode == 0, "client/server failed")
        time.sleep(0.4)
        bt_maps = bt.finish()
        lines = json_lines(tool.finish(signal.SIGINT), "tcptop")
        text = text_tool.finish(signal.SIGINT)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        ns.close()
    spid = server.pid
    ss = summaries(lines)
    check(len(ss) > 1, "tcptop: no interval summary")
    rows = sorted((r["pid"], r["comm"], r["laddr"], r["raddr"], r["rx_kb"], r["tx_kb"]) for r in ss[-1]["rows"])
    want = sorted([(cpid, "pbtcpcli", f"127.0.0.1:{cport}", f"127.0.0.1:{port}", b // 1024, a // 1024),
                   (spid, "pbtcpsrv", f"127.0.0.1:{port}", f"127.0.0.1:{cport}", a // 1024, b // 1024)])
    check(rows == want, f"tcptop final rows {rows}, expected {want}")
    check(bt_maps["@tx"] == {str(cpid): a, str(spid): b} and bt_maps["@rx"] == {str(cpid): b, str(spid): a},
          f"bpftrace bytes {bt_maps}")
    per_interval = {}
    for s in ss[:-1]:
        for r in s["rows"]:
            per_interval[r["pid"]] = per_interval.get(r["pid"], 0) + r["tx_kb"]
    check(all(per_interval.get(p, 0) <= kb for p, kb in ((cpid, a // 1024), (spid, b // 1024))),
          f"interval TX_KB sums {per_interval} exceed the totals")
    table = [line.split() for line in text.splitlines()]
    header = [i for i, r in enumerate(table) if r[:1] == ["PID"]]
    check(header and table[header[-1]] == ["PID", "COMM", "LADDR", "RADDR", "RX_KB", "TX_KB"], f"text header:\n{text}")
    data = sorted(tuple(r) for r in table[header[-1] + 1:] if r and r[0].isdigit())
    check(data == sorted(tuple(str(x) for x in w) for w in want), f"text rows {data}\n{text}")
    return f"tcptop: client {a // 1024}/{b // 1024} KiB tx/rx and server the reverse = bpftrace's byte sums"


check(shutil.which("bpftrace"), "bpftrace is a test dependency (Debian package bpftrace)")
check_list()
with tempfile.TemporaryDirectory() as tmp:
    print(check_udp(tmp))
    print(check_sormem(tmp))
    print(check_sormem_ping(tmp))
    print(check_tcptop(tmp))
check(not leftover_netns(), f"netns left behind: {leftover_netns()}")
assert_clean_host()
print(f"PASS in {time.monotonic() - T0:.1f} s")
