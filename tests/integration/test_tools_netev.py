#!/usr/bin/python3
"""pathbench probe gethostlatency, ipecn, superping and ieee80211scan end to end (root).
Each tool's events are made to happen by the test in namespaces of its own and held
against what pathbench did not compute: gethostlatency against the lookups the test's
resolver made (names, pids, task names) and against Debian's bpftrace gethostlatency.bt
seeing the same calls; ipecn against the receiving netns' IpExt/Ip6 In*Pkts counters and a
bpftrace tracepoint one-liner; superping against ping's own sequence numbers and RTTs;
ieee80211scan must say it cannot work here (no wifi stack) and exit 5."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import assert_clean_host, check, require_root, run  # noqa: E402
from tooltest import TAG, Netns, Tool, json_lines, leftover_netns  # noqa: E402

require_root()
assert_clean_host()

BPFTRACE = shutil.which("bpftrace")
GETHOSTLATENCY_BT = "/usr/sbin/gethostlatency.bt"


def events_of(lines):
    return [x for x in lines if x["type"] == "event"]


def final_of(lines, what):
    summaries = [x for x in lines if x["type"] == "summary"]
    check(summaries and summaries[-1]["final"], f"{what}: no final summary")
    return summaries[-1]


class Bpftrace:
    """bpftrace running `args` in the background; started() once it printed `ready` on
    stdout (its BEGIN line or "Attaching")."""

    def __init__(self, args, ready):
        self.proc = subprocess.Popen([BPFTRACE, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.head = ""
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.head += line
            if ready in line:
                return
        self.proc.kill()
        raise AssertionError(f"bpftrace {args[:1]} did not start: {self.head}")

    def finish(self):
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=30)
        return out


def check_list_and_errors():
    p = run(["probe", "--list", "--json"], check_rc=0)
    entries = {e["name"]: e for e in json_lines(p.stdout, "probe --list --json")}
    for name in ("gethostlatency", "ipecn", "superping"):
        check(name in entries and entries[name]["works"], f"{name} should work here: {entries.get(name)}")
    check([f["name"] for f in entries["gethostlatency"]["fields"]] == ["time", "pid", "comm", "latms", "host"],
          entries["gethostlatency"]["fields"])
    wifi = entries.get("ieee80211scan")
    check(wifi and not wifi["works"] and "cfg80211:rdev_scan" in wifi["reason"] and "CONFIG_WIRELESS" in wifi["reason"],
          f"ieee80211scan must be listed as not working here, naming the missing tracepoints: {wifi}")
    p = run(["probe", "ieee80211scan", "--duration", "1"])
    check(p.returncode == 5 and "cfg80211:rdev_scan" in p.stderr and "wifi" in p.stderr,
          f"ieee80211scan: exit {p.returncode} (expected 5 naming the missing piece): {p.stderr}")
    p = run(["probe", "ieee80211scan", "--json"])
    err = json_lines(p.stdout, "ieee80211scan --json")
    check(p.returncode == 5 and err[0]["type"] == "error" and err[0]["exit_code"] == 5, p.stdout)
    for args, needle in ((["ipecn", "--pid", "1"], "--pid"), (["superping", "--comm", "ping"], "--comm"),
                         (["gethostlatency", "--lport", "53"], "--lport")):
        p = run(["probe", *args])
        check(p.returncode == 2 and needle in p.stderr, f"probe {args}: exit {p.returncode}: {p.stderr}")
    p = run(["probe", "gethostlatency", "--pid", "4000000", "--duration", "1"])
    check(p.returncode == 2 and "--pid 4000000: no such process" in p.stderr, f"exit {p.returncode}: {p.stderr}")
    # A process without glibc (the kernel thread kthreadd maps nothing): nothing to attach to.
    p = run(["probe", "gethostlatency", "--pid", "2", "--duration", "1"])
    check(p.returncode == 5 and "maps no glibc" in p.stderr, f"--pid 2: exit {p.returncode}: {p.stderr}")
    p = run(["probe", "superping", "--help"], check_rc=0)
    check("net_dev_start_xmit" in p.stdout and "netif_receive_skb" in p.stdout, p.stdout)


RESOLVER = r"""
import ctypes, json, os, socket, sys
libc = ctypes.CDLL("libc.so.6")
libc.prctl(15, sys.argv[1].encode(), 0, 0, 0)
libc.gethostbyname.restype = ctypes.c_void_p
libc.gethostbyname2.restype = ctypes.c_void_p
print(os.getpid(), flush=True)
sys.stdin.readline()
done = []
for name in sys.argv[2:]:
    func = name.split("-")[-2]
    if func == "gai":
        socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)
    elif func == "ghbn":
        if not libc.gethostbyname(name.encode()):
            sys.exit(f"gethostbyname {name} failed")
    else:
        if not libc.gethostbyname2(name.encode(), socket.AF_INET):
            sys.exit(f"gethostbyname2 {name} failed")
    done.append(name)
print(json.dumps(done), flush=True)
"""


def check_gethostlatency(tmp):
    ns = Netns("dns")
    hosts_dir = f"/etc/netns/{ns.name}"  # `ip netns exec` binds these files over /etc/
    names = {comm: [f"{comm}-{f}-{i}.pathbench.test" for f in ("gai", "ghbn", "ghbn2") for i in range(2)]
             for comm in ("pbresolver", "pbother")}
    procs, bt = [], None
    try:
        os.makedirs(hosts_dir)
        with open(f"{hosts_dir}/hosts", "w") as f:
            f.write("127.0.0.1 localhost\n")
            for i, name in enumerate(names["pbresolver"] + names["pbother"]):
                f.write(f"198.18.200.{i + 1} {name}\n")
        resolvers = {}
        for comm, ns_names in names.items():
            p = subprocess.Popen(ns.cmd(sys.executable, "-c", RESOLVER, comm, *ns_names), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
            procs.append(p)
            resolvers[comm] = (p, int(p.stdout.readline()))
        main_pid = resolvers["pbresolver"][1]
        every = Tool(["gethostlatency", "--netns", ns.name, "--json"], tmp)
        by_pid = Tool(["gethostlatency", "--pid", str(main_pid)], tmp)
        by_comm = Tool(["gethostlatency", "--netns", ns.name, "--comm", "pbother", "--json"], tmp)
        if BPFTRACE and os.path.exists(GETHOSTLATENCY_BT):
            bt = Bpftrace([GETHOSTLATENCY_BT], "Tracing getaddr/gethost calls")
        socket.getaddrinfo("localhost", 80)  # this process is in another netns: filtered out
        done = {}
        for comm, (p, _) in resolvers.items():
            out, _ = p.communicate("go\n", timeout=30)
            check(p.returncode == 0, f"{comm} failed: {out}")
            done[comm] = json.loads(out.splitlines()[-1])
        time.sleep(0.2)
        every_lines = json_lines(every.finish(signal.SIGINT), "gethostlatency")
        comm_lines = json_lines(by_comm.finish(signal.SIGINT), "gethostlatency --comm")
        pid_text = by_pid.finish(signal.SIGINT)
        bt_out = bt.finish() if bt else None
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        if bt and bt.proc.poll() is None:
            bt.proc.kill()
        shutil.rmtree(hosts_dir, ignore_errors=True)
        ns.close()
        try:
            os.rmdir("/etc/netns")  # only when empty: someone else's entries stay
        except OSError:
            pass

    pids = {comm: pid for comm, (_, pid) in resolvers.items()}
    check(done == names, f"the resolvers did not finish their lookups: {done}")
    events = events_of(every_lines)
    seen = sorted((e["pid"], e["comm"], e["host"]) for e in events)
    want = sorted((pids[comm], comm, name) for comm, ns_names in names.items() for name in ns_names)
    check(seen == want, f"--netns: lookups seen {seen}\n expected {want}")
    for e in events:
        check(0 < e["latms"] < 5000 and re.fullmatch(r"\d\d:\d\d:\d\d", e["time"]), f"event {e}")
    final = final_of(every_lines, "gethostlatency")
    check(final["events"] == len(want) and final["lost"] == 0 and final["histograms"]["latency"]["count"] == len(want),
          final)
    comm_seen = sorted(e["host"] for e in events_of(comm_lines))
    check(comm_seen == sorted(names["pbother"]) and all(e["pid"] == pids["pbother"] for e in events_of(comm_lines)),
          f"--comm pbother: {comm_seen}")

    rows = [line.split() for line in pid_text.splitlines() if line.strip()]
    check(rows[0] == ["TIME", "PID", "COMM", "LATMS", "HOST"], f"header: {rows[0]}")
    data = [r for r in rows[1:] if len(r) == 5 and r[1].isdigit()]
    check(sorted(r[4] for r in data) == sorted(names["pbresolver"]) and
          all(int(r[1]) == main_pid and r[2] == "pbresolver" for r in data), f"--pid {main_pid}:\n{pid_text}")
    check("--- gethostlatency: total" in pid_text and f"latency (us): count {len(data)}" in pid_text, pid_text[-600:])

    result = f"gethostlatency: {len(events)} lookups (getaddrinfo, gethostbyname, gethostbyname2) with names and pids"
    if bt_out is None:
        return result + "; bpftrace gethostlatency.bt not installed: not compared"
    # TIME PID COMM LATms HOST, the time as HH:MM:SS
    bt_rows = [line.split() for line in bt_out.splitlines() if re.match(r"\d\d:\d\d:\d\d\s+\d+", line)]
    bt_seen = sorted((int(r[1]), r[2], r[4]) for r in bt_rows if len(r) == 5 and int(r[1]) in pids.values())
    check(bt_seen == want, f"bpftrace gethostlatency.bt saw {bt_seen}\n pathbench {seen}")
    return result + f"; bpftrace gethostlatency.bt saw the same {len(bt_seen)}"


def veth_pair(a, b, suffix):
    """A veth pair between netns a (198.18.110.1, 2001:2::1) and b (.2, 2001:2::2)."""
    ifa, ifb = f"pbe{suffix}a", f"pbe{suffix}b"
    subprocess.run(["ip", "link", "add", ifa, "netns", a.name, "type", "veth", "peer", ifb, "netns", b.name],
                   check=True)
    for ns, ifname, n in ((a, ifa, 1), (b, ifb, 2)):
        subprocess.run(ns.cmd("ip", "addr", "add", f"198.18.110.{n}/30", "dev", ifname), check=True)
        subprocess.run(ns.cmd("ip", "addr", "add", f"2001:2::{n}/64", "dev", ifname, "nodad"), check=True)
        subprocess.run(ns.cmd("ip", "link", "set", ifname, "up"), check=True)
    return ifa, ifb


SENDER = r"""
import socket, sys, time
plan = [(socket.AF_INET, "198.18.110.2", int(tos), int(n)) for tos, n in
        (a.split("x") for a in sys.argv[1].split(","))]
plan += [(socket.AF_INET6, "2001:2::2", int(tos), int(n)) for tos, n in (a.split("x") for a in sys.argv[2].split(","))]
for family, dst, tos, n in plan:
    s = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tos)
    for _ in range(n):
        s.sendto(b"pathbench", (dst, 5555))
        time.sleep(0.001)
"""

SINK = r"""
import socket, sys
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s4.bind(("198.18.110.2", 5555))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s6.bind(("2001:2::2", 5555))
print("ready", flush=True)
sys.stdin.readline()
"""

ECN_NAMES = ["Not-ECT", "ECT(1)", "ECT(0)", "CE"]


def ecn_counters(ns):
    """IpExt In{NoECT,ECT1,ECT0,CE}Pkts and Ip6In..Pkts of netns `ns`, by (family, codepoint)."""
    netstat = subprocess.run(ns.cmd("cat", "/proc/net/netstat"), capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in netstat.splitlines() if line.startswith("IpExt:")]
    ipext = dict(zip(rows[0][1:], map(int, rows[1][1:])))
    snmp6 = dict(line.split() for line in subprocess.run(ns.cmd("cat", "/proc/net/snmp6"), capture_output=True,
                                                          text=True, check=True).stdout.splitlines() if line.strip())
    keys = ["NoECTPkts", "ECT1Pkts", "ECT0Pkts", "CEPkts"]
    out = {}
    for cp, key in enumerate(keys):
        out[("IPv4", ECN_NAMES[cp])] = ipext["In" + key]
        out[("IPv6", ECN_NAMES[cp])] = int(snmp6["Ip6In" + key])
    return out


def check_ipecn(tmp):
    v4 = {3: 7, 2: 5, 1: 3, 0: 4}  # tos ECN bits -> packets
    v6 = {3: 4, 2: 2}
    tx, rx = Netns("ecntx"), Netns("ecnrx")
    sink, bt = None, None
    try:
        veth_pair(tx, rx, os.getpid() % 10000)
        sink = subprocess.Popen(rx.cmd(sys.executable, "-c", SINK), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True)
        check(sink.stdout.readline().strip() == "ready", "sink did not start")
        # Neighbour discovery first, so that only the test's datagrams move the counters meanwhile.
        subprocess.run(tx.cmd("ping", "-c", "1", "-W", "2", "198.18.110.2"), check=True, capture_output=True)
        subprocess.run(tx.cmd("ping", "-6", "-c", "1", "-W", "2", "2001:2::2"), check=True, capture_output=True)
        tool = Tool(["ipecn", "--netns", rx.name, "--json", "--interval", "0.5"], tmp)
        twins = {f: Tool(["ipecn", "--netns", rx.name, "--json", "--hook-flavour", f], tmp) for f in ("raw_tp", "tracepoint")}
        other = Tool(["ipecn", "--netns", tx.name, "--json"], tmp)
        if BPFTRACE:
            prog = ("tracepoint:net:netif_receive_skb { $skb = (struct sk_buff *)args->skbaddr; "
                    f"if ($skb->dev->nd_net.net->ns.inum == {rx.inode} && $skb->protocol == 0x0008 && "
                    "(*(uint8 *)($skb->data + 1) & 3) == 3) { @ce = count(); } }")
            bt = Bpftrace(["-e", prog], "Attaching")
        before = ecn_counters(rx)
        subprocess.run(tx.cmd(sys.executable, "-c", SENDER, ",".join(f"{t}x{n}" for t, n in v4.items()),
                              ",".join(f"{t}x{n}" for t, n in v6.items())), check=True)
        time.sleep(0.1)
        after = ecn_counters(rx)
        time.sleep(0.5)
        lines = json_lines(tool.finish(signal.SIGINT), "ipecn")
        twin_lines = {f: json_lines(t.finish(signal.SIGINT), f"ipecn --hook-flavour {f}") for f, t in twins.items()}
        other_lines = json_lines(other.finish(signal.SIGINT), "ipecn (sender's netns)")
        bt_out = bt.finish() if bt else None
    finally:
        if sink and sink.poll() is None:
            sink.kill()
        if bt and bt.proc.poll() is None:
            bt.proc.kill()
        tx.close()
        rx.close()

    delta = {k: after[k] - before[k] for k in after}
    check(delta[("IPv4", "CE")] == v4[3] and delta[("IPv6", "CE")] == v6[3],
          f"the netns' counters did not see what the test sent: {delta}")
    events = events_of(lines)
    ce4 = [e for e in events if e["family"] == "IPv4"]
    ce6 = [e for e in events if e["family"] == "IPv6"]
    check(len(ce4) == v4[3] == delta[("IPv4", "CE")], f"{len(ce4)} IPv4 CE events, sent {v4[3]}, InCEPkts +{delta[('IPv4', 'CE')]}")
    check(len(ce6) == v6[3] == delta[("IPv6", "CE")], f"{len(ce6)} IPv6 CE events, sent {v6[3]}, Ip6InCEPkts +{delta[('IPv6', 'CE')]}")
    for e in ce4:
        check(e["saddr"] == "198.18.110.1" and e["daddr"] == "198.18.110.2" and e["packets"] == 1, f"event {e}")
    for e in ce6:
        check(e["saddr"] == "2001:2::1" and e["daddr"] == "2001:2::2", f"event {e}")
    final = final_of(lines, "ipecn")
    rows = {(r["family"], r["ecn"]): r["packets"] for r in final["rows"]}
    # The counters cover the whole window: everything the netns received, which the kernel counted too.
    for (family, ecn), n in rows.items():
        check(n >= delta[(family, ecn)], f"{family} {ecn}: ipecn {n} < the netns counter's delta {delta[(family, ecn)]}")
    for family, sent in (("IPv4", v4), ("IPv6", v6)):
        for cp, n in sent.items():
            got = rows.get((family, ECN_NAMES[cp]), 0)
            check(got == delta[(family, ECN_NAMES[cp])], f"{family} {ECN_NAMES[cp]}: ipecn {got}, counter +"
                  f"{delta[(family, ECN_NAMES[cp])]} (sent {n}): {final['rows']}")
    check(any(not s["final"] for s in lines if s["type"] == "summary"), "no interval summary")
    for f, tl in twin_lines.items():
        got = {(r["family"], r["ecn"]): r["packets"] for r in final_of(tl, f)["rows"]}
        check(got.get(("IPv4", "CE")) == v4[3] and got.get(("IPv6", "CE")) == v6[3] and len(events_of(tl)) == len(events),
              f"--hook-flavour {f}: {got}")
        check(re.search(f"tracing with {f}/(net/)?netif_receive_skb", twins[f].err), twins[f].err)
    check(not events_of(other_lines), f"the sender's netns received no CE packet: {events_of(other_lines)}")
    result = f"ipecn: {len(ce4)} IPv4 + {len(ce6)} IPv6 CE = IpExt InCEPkts/Ip6InCEPkts deltas; every codepoint " \
             f"row = the netns' counters ({', '.join(f'{k[0]} {k[1]} {v}' for k, v in sorted(rows.items()))})"
    if bt_out is not None:
        m = re.search(r"@ce: (\d+)", bt_out)  # printed at exit
        check(m and int(m.group(1)) == len(ce4), f"bpftrace one-liner: {bt_out}")
        result += f"; bpftrace tracepoint one-liner: {m.group(1)} IPv4 CE"
    return result


def ping_rtts(out):
    """{seq: rtt in us} from ping's reply lines."""
    return {int(m.group(1)): float(m.group(2)) * 1000 for m in re.finditer(r"icmp_seq=(\d+) .*time=([0-9.]+) ms", out)}


def check_superping(tmp):
    n4, n6, id4, id6 = 5, 3, 0x4a01 + os.getpid() % 1000, 0x5b01 + os.getpid() % 1000
    ns, other = Netns("ping"), Netns("ping2")
    try:
        tool = Tool(["superping", "--netns", ns.name, "--json"], tmp)
        twins = {f: Tool(["superping", "--netns", ns.name, "--json", "--hook-flavour", f], tmp)
                 for f in ("raw_tp", "tracepoint")}
        p4 = subprocess.run(ns.cmd("ping", "-c", str(n4), "-i", "0.05", "-U", "-e", str(id4), "127.0.0.1"),
                            capture_output=True, text=True, check=True)
        p6 = subprocess.run(ns.cmd("ping", "-6", "-c", str(n6), "-i", "0.05", "-U", "-e", str(id6), "::1"),
                            capture_output=True, text=True, check=True)
        subprocess.run(other.cmd("ping", "-c", "2", "-i", "0.05", "127.0.0.1"), capture_output=True, check=True)
        time.sleep(0.2)
        lines = json_lines(tool.finish(signal.SIGINT), "superping")
        twin_lines = {f: json_lines(t.finish(signal.SIGINT), f"superping --hook-flavour {f}") for f, t in twins.items()}
    finally:
        ns.close()
        other.close()
    events = events_of(lines)
    ping4, ping6 = ping_rtts(p4.stdout), ping_rtts(p6.stdout)
    check(sorted(ping4) == list(range(1, n4 + 1)) and sorted(ping6) == list(range(1, n6 + 1)),
          f"ping's replies: {p4.stdout} {p6.stdout}")
    e4 = [e for e in events if e["family"] == "IPv4"]
    e6 = [e for e in events if e["family"] == "IPv6"]
    check(sorted(e["seq"] for e in e4) == list(range(1, n4 + 1)) and all(e["id"] == id4 and e["addr"] == "127.0.0.1"
                                                                          for e in e4), f"IPv4 echoes: {e4}")
    check(sorted(e["seq"] for e in e6) == list(range(1, n6 + 1)) and all(e["id"] == id6 and e["addr"] == "::1"
                                                                          for e in e6), f"IPv6 echoes: {e6}")
    check(len(events) == n4 + n6, f"{len(events)} replies matched, expected {n4 + n6} (another netns leaked?)")
    # ping -U times user space to user space (send call -> reply read), an interval that holds
    # superping's (driver handoff -> stack entry); without -U its end is the reply's socket
    # timestamp, taken on lo when the reply is queued to the backlog, before netif_receive_skb,
    # so superping can exceed it. 2 us for ping's 1 us print resolution and its wall clock.
    for e in events:
        ping_us = (ping4 if e["family"] == "IPv4" else ping6)[e["seq"]]
        check(0 < e["us"] <= ping_us + 2 and e["us"] * 100 > ping_us,
              f"{e['family']} seq {e['seq']}: superping {e['us']} us vs ping {ping_us} us")
    final = final_of(lines, "superping")
    check(final["histograms"]["rtt"]["count"] == n4 + n6 and final["lost"] == 0, final)
    check(any(f"{n4 + n6} echo requests timed, 0 still without a reply" in n for n in final["notes"]), final["notes"])
    for f, tl in twin_lines.items():
        got = sorted((e["family"], e["id"], e["seq"]) for e in events_of(tl))
        check(got == sorted((e["family"], e["id"], e["seq"]) for e in events), f"--hook-flavour {f}: {got}")
        check(re.search(f"tracing with {f}/(net/)?net_dev_start_xmit, {f}/(net/)?netif_receive_skb", twins[f].err),
              twins[f].err)
    med = sorted(e["us"] for e in e4)[n4 // 2]
    med_ping = sorted(ping4.values())[n4 // 2]
    return f"superping: {n4} IPv4 + {n6} IPv6 echoes matched by id/seq (tp_btf, raw_tp, tracepoint alike); " \
           f"median IPv4 {med:.1f} us vs ping's {med_ping:.0f} us"


check_list_and_errors()
with tempfile.TemporaryDirectory() as tmp:
    for fn in (check_gethostlatency, check_ipecn, check_superping):
        t0 = time.time()
        print(fn(tmp), f"[{time.time() - t0:.1f} s]", flush=True)
check(not leftover_netns(), f"netns left behind: {leftover_netns()}")
assert_clean_host()
print("PASS")
