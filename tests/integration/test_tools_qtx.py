#!/usr/bin/python3
"""pathbench probe qdisc-*, nettxlat, nettxlat-dev and skblife end to end (root). Two fresh
netns joined by a veth pair (IPv6 off, static neighbours: the test's packets are the only
ones on the link); the sender's root qdisc is tbf at 1 Mbit/s, then htb with one 1 Mbit/s
class, then pfifo_fast. The qdisc tools are held against `tc -s qdisc` (sent packets) and
the tbf rate (packets queued behind a 1 Mbit/s bucket wait milliseconds each), nettxlat
and nettxlat-dev against the link's tx_packets, and all of them against bpftrace running
the seed's nettxlat.bt logic and a qdisc:qdisc_dequeue count. skblife against a bpftrace
count of skbuff_head_cache allocations and the test's own datagrams and pings."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import PATHBENCH, assert_clean_host, check, require_root, run  # noqa: E402
from tooltest import TAG, Netns, Tool, json_lines, leftover_netns  # noqa: E402

require_root()
assert_clean_host()

BUILT = ("qdisc-tbf", "qdisc-htb", "qdisc-pfifo_fast")
NOT_BUILT = ("qdisc-fq", "qdisc-fq_codel", "qdisc-codel", "qdisc-red", "qdisc-cbs")
N = 30            # datagrams through each shaped qdisc
SIZE = 1000       # UDP payload: 1042 bytes on the wire
PINGS = 20        # echo requests through pfifo_fast
RATE = 1_000_000  # bit/s of tbf and of the htb class
PKT_MS = (SIZE + 42) * 8 / RATE * 1000  # 8.3 ms per packet at that rate


def check_list_and_errors():
    p = run(["probe", "--list", "--json"], check_rc=0)
    entries = {e["name"]: e for e in json_lines(p.stdout, "probe --list --json")}
    for name in BUILT + ("nettxlat", "nettxlat-dev", "skblife"):
        check(name in entries and entries[name]["works"], f"{name} should work here: {entries.get(name)}")
    for name in NOT_BUILT:
        check(name in entries and not entries[name]["works"] and "not built" in entries[name]["reason"],
              f"{name} should say 'not built': {entries.get(name)}")
        p = run(["probe", name, "--duration", "1"])
        check(p.returncode == 5 and "not built" in p.stderr, f"probe {name}: exit {p.returncode}, {p.stderr!r}")
    check("bypass" in entries["qdisc-pfifo_fast"]["reason"], entries["qdisc-pfifo_fast"])
    check([f["name"] for f in entries["nettxlat-dev"]["summary_fields"]][:4] == ["dev", "netns", "ifindex", "started"],
          entries["nettxlat-dev"]["summary_fields"])
    p = run(["probe", "skblife", "--netns", "x"])
    check(p.returncode == 2 and "--netns" in p.stderr, f"skblife --netns: exit {p.returncode} {p.stderr!r}")
    p = run(["probe", "qdisc-tbf", "--help"], check_rc=0)
    check("sojourn" in p.stdout and "--netns" in p.stdout, p.stdout)


class Bpftrace:
    """bpftrace SCRIPT in the background; started() once BEGIN ran (probes attached)."""

    def __init__(self, script):
        self.proc = subprocess.Popen(["bpftrace", "-e", 'BEGIN { printf("ready\\n"); } ' + script],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"bpftrace did not start: {self.proc.stderr.read()}")
            if line.strip() == "ready":
                break

    def finish(self):
        """The @name = value lines printed at exit, as {name: int}; histograms as their total count."""
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=30)
        values, current = {}, None
        for line in out.splitlines():
            if line.startswith("@"):
                name, _, rest = line.partition(":")
                current = name[1:]
                values[current] = int(rest) if rest.strip() else 0
            elif line.startswith("[") and current is not None:  # a histogram row: [lo, hi)  count |@@@|
                values[current] += int(line.split(")")[-1].split("|")[0].split("]")[-1])
        return values


def tc_qdisc(ns, dev):
    """The root qdisc of dev as `tc -s -j qdisc` gives it: kind, handle, packets, qlen."""
    out = subprocess.run(ns.cmd("tc", "-s", "-j", "qdisc", "show", "dev", dev), capture_output=True, text=True,
                         check=True).stdout
    return next(q for q in json.loads(out) if q.get("root"))


def drain(ns, dev):
    for _ in range(200):
        q = tc_qdisc(ns, dev)
        if q.get("qlen", 0) == 0:
            return q
        time.sleep(0.05)
    raise AssertionError(f"{dev}: the qdisc did not drain: {q}")


def send_udp(ns, dst, n):
    code = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"for _ in range({n}):\n"
            f"    s.sendto(b'q' * {SIZE}, ('{dst}', 9))\n")  # a closed port: the peer drops them (kfree_skb)
    subprocess.run(ns.cmd(sys.executable, "-c", code), check=True)


def tx_packets(ns, dev):
    return int(subprocess.run(ns.cmd("cat", f"/sys/class/net/{dev}/statistics/tx_packets"), capture_output=True,
                              text=True, check=True).stdout)


def final_summary(lines, what):
    summaries = [x for x in lines if x["type"] == "summary"]
    check(summaries and summaries[-1]["final"], f"{what}: no final summary")
    return summaries[-1]


def check_sojourn(h, what):
    """N packets sent at once behind a 1 Mbit/s bucket: the k-th waits about k x 8.3 ms."""
    longest = (N - 2) * PKT_MS * 1000  # us; the first one or two leave on the bucket's burst
    check(0.7 * longest <= h["max"] <= 1.5 * longest, f"{what}: max sojourn {h['max']} us, expected ~{longest:.0f}")
    mid = N / 2 * PKT_MS * 1000
    check(0.5 * mid <= h["p50"] <= 1.5 * mid, f"{what}: median sojourn {h['p50']} us, expected ~{mid:.0f}")


def check_qdiscs_and_nettxlat(tmp):
    a, b = Netns("qa"), Netns("qb")
    dev, peer = f"pbq{os.getpid() % 100000}a", f"pbq{os.getpid() % 100000}b"
    tools, bt = {}, None
    try:
        for ns in (a, b):
            subprocess.run(ns.cmd("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                                  "net.ipv6.conf.default.disable_ipv6=1"), check=True)
        subprocess.run(["ip", "-n", a.name, "link", "add", dev, "type", "veth", "peer", "name", peer, "netns", b.name],
                       check=True)
        for ns, d, ip in ((a, dev, "198.18.0.1"), (b, peer, "198.18.0.2")):
            subprocess.run(["ip", "-n", ns.name, "addr", "add", f"{ip}/24", "dev", d], check=True)
            subprocess.run(["ip", "-n", ns.name, "link", "set", d, "up"], check=True)
        macs = {d: json.loads(subprocess.run(["ip", "-n", ns.name, "-j", "link", "show", d], capture_output=True,
                                             text=True, check=True).stdout)[0]["address"]
                for ns, d in ((a, dev), (b, peer))}
        ifindex = json.loads(subprocess.run(["ip", "-n", a.name, "-j", "link", "show", dev], capture_output=True,
                                            text=True, check=True).stdout)[0]["ifindex"]
        subprocess.run(["ip", "-n", a.name, "neigh", "replace", "198.18.0.2", "lladdr", macs[peer], "dev", dev,
                        "nud", "permanent"], check=True)
        subprocess.run(["ip", "-n", b.name, "neigh", "replace", "198.18.0.1", "lladdr", macs[dev], "dev", peer,
                        "nud", "permanent"], check=True)
        subprocess.run(a.cmd("tc", "qdisc", "add", "dev", dev, "root", "handle", "8001:", "tbf", "rate", "1mbit",
                             "burst", "1600", "limit", "200000"), check=True)

        for name in BUILT + ("nettxlat",):
            tools[name] = Tool([name, "--netns", a.name, "--json"], tmp)
        tools["nettxlat-dev"] = Tool(["nettxlat-dev", "--netns", a.name], tmp)
        tools["nettxlat-dev-json"] = Tool(["nettxlat-dev", "--netns", a.name, "--json", "--interval", "0.5"], tmp)
        # The twins a kernel without tp_btf (or without BTF) would get.
        tools["nettxlat-raw"] = Tool(["nettxlat", "--netns", a.name, "--json", "--hook-flavour", "raw_tp"], tmp)
        tools["qdisc-tbf-tp"] = Tool(["qdisc-tbf", "--netns", a.name, "--json", "--hook-flavour", "tracepoint"], tmp)
        # The book's nettxlat.bt (start_xmit -> consume_skb, forgotten at net_dev_queue) plus kfree_skb as
        # the other end (else a dropped skb's stale start matches a later skb at its address), on our
        # device only, and the dequeues.
        bt = Bpftrace(f'tracepoint:net:net_dev_start_xmit /str(args->name) == "{dev}"/ '
                      '{ @start[args->skbaddr] = nsecs; @started = count(); } '
                      'tracepoint:skb:consume_skb /@start[args->skbaddr]/ '
                      '{ @us = hist((nsecs - @start[args->skbaddr]) / 1000); delete(@start[args->skbaddr]); } '
                      'tracepoint:skb:kfree_skb /@start[args->skbaddr]/ { @freed = count(); delete(@start[args->skbaddr]); } '
                      'tracepoint:net:net_dev_queue { delete(@start[args->skbaddr]); } '
                      f'tracepoint:qdisc:qdisc_dequeue /args->skbaddr != 0 && args->ifindex == {ifindex}/ '
                      '{ @dequeued = sum(args->packets); } '
                      'END { clear(@start); }')
        tx0 = tx_packets(a, dev)

        send_udp(a, "198.18.0.2", N)
        tbf = drain(a, dev)
        subprocess.run(a.cmd("tc", "qdisc", "replace", "dev", dev, "root", "handle", "1:", "htb", "default", "10"),
                       check=True)
        subprocess.run(a.cmd("tc", "class", "add", "dev", dev, "parent", "1:", "classid", "1:10", "htb", "rate",
                             "1mbit", "ceil", "1mbit"), check=True)
        send_udp(a, "198.18.0.2", N)
        htb = drain(a, dev)
        subprocess.run(a.cmd("tc", "qdisc", "replace", "dev", dev, "root", "handle", "2:", "pfifo_fast"), check=True)
        subprocess.run(a.cmd("ping", "-q", "-c", str(PINGS), "-i", "0.01", "-W", "1", "198.18.0.2"), check=True,
                       stdout=subprocess.DEVNULL)
        pfifo = drain(a, dev)
        tx = tx_packets(a, dev) - tx0
        time.sleep(0.6)  # an interval summary of nettxlat-dev
        bt_values = bt.finish()
        bt = None
        out = {name: t.finish(signal.SIGINT) for name, t in tools.items()}
        errs = {name: t.err for name, t in tools.items()}
        tools = {}
    finally:
        if bt:
            bt.proc.kill()
        for t in tools.values():
            t.proc.kill()
        a.close()
        b.close()

    check(tbf["kind"] == "tbf" and htb["kind"] == "htb" and pfifo["kind"] == "pfifo_fast", (tbf, htb, pfifo))
    check(tbf["packets"] == N and htb["packets"] == N, f"tc sent {tbf['packets']} (tbf), {htb['packets']} (htb)")
    check(tx == 2 * N + PINGS, f"tx_packets went up by {tx}, the test sent {2 * N + PINGS}")
    report = []
    for name, sent, handle in (("qdisc-tbf", tbf["packets"], "8001:"), ("qdisc-htb", htb["packets"], "1:"),
                               ("qdisc-tbf-tp", tbf["packets"], "8001:")):
        final = final_summary(json_lines(out[name], name), name)
        h = final["histograms"]["sojourn"]
        # Exact, but for one dequeue in about ten runs that no consumer of qdisc:qdisc_dequeue sees
        # (bpftrace's classic tracepoint misses one too, in other runs; not BPF recursion: the tool
        # reports recursion_misses and they stay 0). Every enqueue is always seen.
        check(sent - 1 <= h["count"] <= sent, f"{name}: {h['count']} timed, tc sent {sent}: {final['rows']} {final['notes']}")
        if h["count"] != sent:
            print(f"note: {name}: {h['count']} of {sent} dequeues seen")
        check([(r["dev"], r["handle"], r["parent"], r["enqueued"], r["dequeued"], r["timed"]) for r in final["rows"]]
              == [(dev, handle, "root", sent, h["count"], h["count"])], f"{name}: rows {final['rows']}")
        check(all(r["netns"] == a.inode for r in final["rows"]), f"{name}: netns {final['rows']}")
        check_sojourn(h, name)
        report.append(f"{name} {h['count']} = tc {sent}, p50 {h['p50'] / 1000:.0f} ms, max {h['max'] / 1000:.0f} ms")
    check("tracing with tracepoint/qdisc" in errs["qdisc-tbf-tp"] and "tracing with raw_tp/" in errs["nettxlat-raw"]
          and "tracing with tp_btf/" in errs["qdisc-tbf"], errs)
    final = final_summary(json_lines(out["qdisc-pfifo_fast"], "qdisc-pfifo_fast"), "qdisc-pfifo_fast")
    fifo_timed = final["histograms"]["sojourn"]["count"]
    check(fifo_timed <= pfifo["packets"] and any("bypass" in n for n in final["notes"]),
          f"pfifo_fast: {fifo_timed} timed, tc sent {pfifo['packets']}, notes {final['notes']}")
    check(abs(bt_values.get("dequeued", 0) - (2 * N + fifo_timed)) <= 1,
          f"bpftrace counted {bt_values.get('dequeued')} dequeued skbs, the qdisc tools {2 * N + fifo_timed}")

    for name in ("nettxlat", "nettxlat-raw"):
        final = final_summary(json_lines(out[name], name), name)
        row = final["rows"][0]
        check(row == {"started": tx, "consumed": PINGS, "freed": 2 * N}, f"{name}: {row}, tx_packets {tx}")
        check(final["histograms"]["latency"]["count"] == tx, f"{name}: {final['histograms']['latency']}")
    # bpftrace (classic tracepoints) misses one whole packet in a few runs: its start, its
    # dequeue and its free together (seen once as 79/59/59 of 80/60/60), while the tools match
    # tx_packets exactly; so bpftrace may be short by that one packet, never more, never over.
    bt_short = tx - bt_values.get("started", 0)
    check(bt_short in (0, 1) and bt_values.get("us") == PINGS and bt_values.get("freed", 0) + bt_short >= 2 * N
          and bt_values.get("freed", 0) <= 2 * N,
          f"bpftrace nettxlat.bt: {bt_values}, tx_packets {tx}, pings {PINGS}")

    lines = json_lines(out["nettxlat-dev-json"], "nettxlat-dev")
    final = final_summary(lines, "nettxlat-dev")
    check(len(final["rows"]) == 1, final["rows"])
    r = final["rows"][0]
    check((r["dev"], r["netns"], r["ifindex"], r["started"], r["consumed"], r["freed"]) ==
          (dev, a.inode, ifindex, tx, PINGS, 2 * N), f"nettxlat-dev row {r}")
    check(sum(int(x.split()[-1]) for x in r["log2"]) == tx and r["p50"] <= r["p99"] <= r["max"], r)
    intervals = [x for x in lines if x["type"] == "summary" and not x["final"]]
    check(sum(x["rows"][0]["started"] for x in intervals if x["rows"]) == tx, f"interval rows: {intervals}")
    text = out["nettxlat-dev"]
    rows = [line.split() for line in text.splitlines()]
    header = next(i for i, x in enumerate(rows) if x and x[0] == "DEV")
    check(rows[header] == ["DEV", "NETNS", "IFINDEX", "STARTED", "CONSUMED", "FREED", "P50", "P99", "MAX"],
          rows[header])
    row = rows[header + 1]
    check(row[0] == dev and int(row[3]) == tx and text.count(") ") >= 1, f"text row {row}\n{text}")
    report.append(f"nettxlat {tx} started = tx_packets {tx} ({PINGS} consume_skb = bpftrace nettxlat.bt "
                  f"{bt_values['us']}, {2 * N} kfree_skb), dequeues = bpftrace {bt_values['dequeued']}, "
                  f"nettxlat-dev p50 {r['p50']} us")
    return "; ".join(report)


TCP_SEGMENTS = """
import socket
l = socket.socket()
l.bind(("127.0.0.1", 5001))
l.listen()
c = socket.create_connection(("127.0.0.1", 5001))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
a, _ = l.accept()
for _ in range(50):
    c.send(b"t" * 1000)
    got = 0
    while got < 1000:
        got += len(a.recv(4096))
"""


def alloc_skb_text():
    """[start, end) of __alloc_skb from /proc/kallsyms, as skblife reads it."""
    with open("/proc/kallsyms") as f:
        rows = [line.split()[:3] for line in f]
    for i, (addr, _, name) in enumerate(rows):
        if name == "__alloc_skb":
            start = int(addr, 16)
            return start, next(int(r[0], 16) for r in rows[i + 1:] if int(r[0], 16) > start)
    raise AssertionError("no __alloc_skb in /proc/kallsyms")


def check_skblife(tmp):
    n, pings = 400, 10
    ns = Netns("skb")
    try:
        tool = Tool(["skblife", "--json"], tmp)
        lo, hi = alloc_skb_text()
        # fclones: allocated in __alloc_skb from a cache that is neither skbuff_head_cache nor the
        # small-head cache (the fclone cache is slab-merged here and carries another cache's name).
        bt = Bpftrace('tracepoint:kmem:kmem_cache_alloc /str(args->name) == "skbuff_head_cache"/ { @born = count(); } '
                      f'tracepoint:kmem:kmem_cache_alloc /args->call_site >= {lo} && args->call_site < {hi} && '
                      'str(args->name) != "skbuff_head_cache" && str(args->name) != "skbuff_small_head"/ '
                      '{ @fclones = count(); }')
        code = ("import socket\n"
                "r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                "r.bind(('127.0.0.1', 5000))\n"
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                f"for _ in range({n}):\n"
                "    s.sendto(b'x' * 100, ('127.0.0.1', 5000))\n"
                "    r.recv(2000)\n")
        subprocess.run(ns.cmd(sys.executable, "-c", code), check=True)
        subprocess.run(ns.cmd("ping", "-q", "-c", str(pings), "-i", "0.01", "127.0.0.1"), check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run(ns.cmd(sys.executable, "-c", TCP_SEGMENTS), check=True)  # TCP data skbs are fclones
        bt_values = bt.finish()
        bt_born, bt_fclones = bt_values.get("born", 0), bt_values.get("fclones", 0)
        final = final_summary(json_lines(tool.finish(signal.SIGINT), "skblife"), "skblife")
    finally:
        ns.close()
    row = final["rows"][0]
    h = final["histograms"]["lifespan"]
    check(bt_born >= n + 2 * pings, f"bpftrace saw {bt_born} skbuff_head_cache allocations, the test made {n + 2 * pings}")
    # The tool ran a little longer than bpftrace on both sides: at least as many, not many more.
    check(bt_born <= row["born"] <= bt_born + n // 2, f"skblife born {row['born']}, bpftrace {bt_born}")
    check(bt_fclones >= 20 and bt_fclones <= row["fclones"] <= bt_fclones + 50,
          f"skblife fclones {row['fclones']}, bpftrace {bt_fclones}")
    check(row["consumed"] >= pings and h["count"] == row["consumed"] + row["dropped"] + row["slab_freed"],
          f"skblife {row}, lifespan count {h['count']}")
    check(row["unseen"] >= n // 2, f"received UDP skbs end unseen here (NAPI skb cache): {row}")
    check(any("unseen" in x for x in final["notes"]), final["notes"])
    return f"skblife: born {row['born']} (bpftrace {bt_born}), fclones {row['fclones']} (bpftrace {bt_fclones}), consumed {row['consumed']}, unseen {row['unseen']}, " \
           f"lifespan p50 {h['p50']} ns"


check_list_and_errors()
with tempfile.TemporaryDirectory() as tmp:
    print(check_qdiscs_and_nettxlat(tmp))
    print(check_skblife(tmp))
check(not leftover_netns(), f"netns left behind: {leftover_netns()}")
assert_clean_host()
print("PASS")
