#!/usr/bin/python3
"""pathbench probe sockstat, sofamily, soprotocol and udpconnect end to end (root). A
workload in a fresh netns makes a known set of socket calls (TCP, UDP and unix; IPv4, and
IPv6 when the netns has ::1) and reports what it did; every tool's counts must equal those
numbers exactly, and equal what bpftrace counts on the same tracepoints for the same pid.
The same workload in a second netns, with the same task name, must not be counted. Every
JSON line is validated against reports/schema/tools.schema.json."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import assert_clean_host, check, require_root, run  # noqa: E402
from tooltest import Netns, Tool, json_lines, leftover_netns  # noqa: E402

require_root()
assert_clean_host()

# The workload: prints its pid, waits for a line on stdin, makes its calls, prints what it
# did as JSON: per sockstat probe, per (call, family), per (call, protocol, type, name),
# and the UDP connects (ip, raddr, rport) udpconnect must show.
WORKLOAD = r"""
import ctypes, json, os, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"pbsock", 0, 0, 0)
has6 = sys.argv[1] == "1"
K = 3  # TCP connections per family
n = dict.fromkeys(["socket", "socketpair", "bind", "connect", "accept", "accept4", "send", "recv"], 0)
fam, proto, udp = {}, {}, []
NAMES = {(socket.AF_INET, socket.SOCK_STREAM): "TCP", (socket.AF_INET6, socket.SOCK_STREAM): "TCPv6",
         (socket.AF_INET, socket.SOCK_DGRAM): "UDP", (socket.AF_INET6, socket.SOCK_DGRAM): "UDPv6",
         (socket.AF_UNIX, socket.SOCK_STREAM): "UNIX-STREAM"}
PROTO = {socket.SOCK_STREAM: 6, socket.SOCK_DGRAM: 17}

def add(d, k):
    d[k] = d.get(k, 0) + 1

def sock(f, t):
    n["socket"] += 1
    return socket.socket(f, t)

def bind(s, addr):
    n["bind"] += 1
    s.bind(addr)

def proto_key(call, s):
    p = 0 if s.family == socket.AF_UNIX else PROTO[s.type]
    return f"{call} {p} {int(s.type)} {NAMES[(s.family, s.type)]}"

def connect(s, addr, family=None):
    n["connect"] += 1
    add(fam, f"connect {int(s.family if family is None else family)}")
    add(proto, proto_key("connect", s))
    if family == socket.AF_UNSPEC:  # a UDP disconnect: the address is 16 zero bytes
        assert libc.connect(s.fileno(), ctypes.create_string_buffer(16), 16) == 0, ctypes.get_errno()
        return
    try:
        s.connect(addr)
    except ConnectionRefusedError:
        pass

def accept(s, four=True):
    if four:
        n["accept4"] += 1
        a, _ = s.accept()  # accept4(2)
    else:
        n["accept"] += 1
        fd = libc.accept(s.fileno(), None, None)  # accept(2), NULL peer address
        assert fd >= 0, ctypes.get_errno()
        a = socket.socket(fileno=fd)
    add(fam, f"accept {int(s.family)}")
    add(proto, proto_key("accept", s))
    return a

def send(s, data, addr=None):
    n["send"] += 1
    s.sendto(data, addr) if addr else s.send(data)

def recv(s):
    n["recv"] += 1
    return s.recv(100)

print(os.getpid(), flush=True)
sys.stdin.readline()
for f, lo in [(socket.AF_INET, "127.0.0.1")] + ([(socket.AF_INET6, "::1")] if has6 else []):
    srv = sock(f, socket.SOCK_STREAM)
    bind(srv, (lo, 0))
    srv.listen(8)
    for i in range(K):
        c = sock(f, socket.SOCK_STREAM)
        connect(c, srv.getsockname()[:2])
        a = accept(srv, four=i > 0)
        send(c, b"ping")  # one message each way at a time: one recv per send
        assert recv(a) == b"ping"
        send(a, b"pong")
        assert recv(c) == b"pong"
        c.close()
        a.close()
    port = srv.getsockname()[1]
    srv.close()
    if f == socket.AF_INET:  # refused: counted at entry like the others
        c = sock(f, socket.SOCK_STREAM)
        connect(c, (lo, port))
        c.close()
    u = sock(f, socket.SOCK_DGRAM)
    bind(u, (lo, 0))
    c = sock(f, socket.SOCK_DGRAM)
    connect(c, u.getsockname()[:2])
    udp.append([6 if f == socket.AF_INET6 else 4, lo, u.getsockname()[1]])
    send(c, b"x")
    assert recv(u) == b"x"
    d = sock(f, socket.SOCK_DGRAM)
    send(d, b"y", u.getsockname()[:2])  # sendto, no connect
    assert recv(u) == b"y"
    if f == socket.AF_INET:
        connect(c, None, family=socket.AF_UNSPEC)  # not a UDP connect for udpconnect
    for s in (u, c, d):
        s.close()
n["socketpair"] += 1
x, y = socket.socketpair()
send(x, b"z")
assert recv(y) == b"z"
srv = sock(socket.AF_UNIX, socket.SOCK_STREAM)
bind(srv, "\0pbsock-%d" % os.getpid())
srv.listen(1)
c = sock(socket.AF_UNIX, socket.SOCK_STREAM)
connect(c, "\0pbsock-%d" % os.getpid())
a = accept(srv)
print(json.dumps({"sockstat": n, "sofamily": fam, "soprotocol": proto, "udpconnect": udp}), flush=True)
"""

SOCKSTAT_PROBES = {"socket": "tracepoint:syscalls:sys_enter_socket",
                   "socketpair": "tracepoint:syscalls:sys_enter_socketpair",
                   "bind": "tracepoint:syscalls:sys_enter_bind", "connect": "tracepoint:syscalls:sys_enter_connect",
                   "accept": "tracepoint:syscalls:sys_enter_accept",
                   "accept4": "tracepoint:syscalls:sys_enter_accept4",
                   "send": "tracepoint:sock:sock_send_length", "recv": "tracepoint:sock:sock_recv_length"}

# What bpftrace counts on the same tracepoints for the same pid: sockstat.bt's probes (with
# the sock tracepoints for its kprobes), connects by the family of their address
# (sofamily.bt's logic), and the accepts that returned an fd (sofamily.bt counts those).
BPFTRACE = r"""
BEGIN { printf("pbready\n"); }
tracepoint:syscalls:sys_enter_socket, tracepoint:syscalls:sys_enter_socketpair,
tracepoint:syscalls:sys_enter_bind, tracepoint:syscalls:sys_enter_connect,
tracepoint:syscalls:sys_enter_accept, tracepoint:syscalls:sys_enter_accept4,
tracepoint:sock:sock_send_length, tracepoint:sock:sock_recv_length
/pid == PID/ { @[probe] = count(); }
tracepoint:syscalls:sys_enter_connect /pid == PID/
{ @connect[comm, ((struct sockaddr *)args->uservaddr)->sa_family] = count(); }
tracepoint:syscalls:sys_exit_accept, tracepoint:syscalls:sys_exit_accept4 /pid == PID && args->ret >= 0/
{ @accept[comm] = count(); }
"""


class Workload:
    def __init__(self, ns, has6):
        self.proc = subprocess.Popen(ns.cmd(sys.executable, "-c", WORKLOAD, "1" if has6 else "0"),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.pid = int(self.proc.stdout.readline())

    def go(self):
        out, _ = self.proc.communicate("go\n", timeout=30)
        check(self.proc.returncode == 0, f"workload failed: exit {self.proc.returncode}")
        return json.loads(out)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Bpftrace:
    """bpftrace running BPFTRACE for `pid`, stdout to a file; finish() returns its maps."""

    def __init__(self, pid, tmp):
        self.path = os.path.join(tmp, "bpftrace.out")
        self.out = open(self.path, "w")
        self.proc = subprocess.Popen(["bpftrace", "-B", "none", "-e", BPFTRACE.replace("PID", str(pid))],
                                     stdout=self.out, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        # "Attaching N probes" comes before the probes are attached; BEGIN runs after.
        while "pbready" not in self.text():
            check(self.proc.poll() is None and time.monotonic() < deadline,
                  f"bpftrace did not start: exit {self.proc.poll()}, {self.text()!r}")
            time.sleep(0.05)

    def text(self):
        with open(self.path) as f:
            return f.read()

    def finish(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)
        self.out.close()
        out = self.text()
        check(self.proc.returncode == 0, f"bpftrace: exit {self.proc.returncode}: {out[-1000:]}")
        maps = {}
        for m in re.finditer(r"^@(\w*)\[(.*)\]: (\d+)$", out, re.M):
            maps.setdefault(m.group(1), {})[m.group(2)] = int(m.group(3))
        return maps

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def has_ipv6_loopback(ns):
    out = subprocess.run(["ip", "-n", ns.name, "-6", "addr", "show", "dev", "lo"], capture_output=True, text=True).stdout
    return "::1/128" in out


def final_rows(lines, what):
    summaries = [x for x in lines if x["type"] == "summary"]
    check(summaries and summaries[-1]["final"] and not any(s["final"] for s in summaries[:-1]),
          f"{what}: one final summary, last: {[s['final'] for s in summaries]}")
    check(summaries[-1]["lost"] == 0 and not summaries[-1]["notes"], f"{what}: {summaries[-1]}")
    return summaries, summaries[-1]["rows"]


def check_list_and_errors():
    p = run(["probe", "--list", "--json"], check_rc=0)
    entries = {e["name"]: e for e in json_lines(p.stdout, "probe --list --json")}
    for name in ("sockstat", "sofamily", "soprotocol", "udpconnect"):
        check(name in entries and entries[name]["works"], f"{name} should work here: {entries.get(name)}")
    check([f["name"] for f in entries["udpconnect"]["fields"]] == ["time", "pid", "comm", "ip", "raddr", "rport"],
          entries["udpconnect"]["fields"])
    check([f["name"] for f in entries["sofamily"]["summary_fields"]] == ["call", "comm", "family", "af", "count"],
          entries["sofamily"]["summary_fields"])
    for args, needle in ((["sockstat", "--lport", "80"], "--lport"), (["sofamily", "--rport", "80"], "--rport"),
                         (["udpconnect", "--lport", "80"], "--lport"), (["soprotocol", "--interval", "soon"], "--interval")):
        p = run(["probe", *args])
        check(p.returncode == 2 and needle in p.stderr, f"probe {args}: exit {p.returncode}, {p.stderr!r}")


def check_tools(tmp):
    ns, decoy = Netns("sock"), Netns("sockdecoy")
    tools, others = {}, []
    try:
        has6 = has_ipv6_loopback(ns)
        work = Workload(ns, has6)
        other = Workload(decoy, has_ipv6_loopback(decoy))  # same task name, another netns
        others += [work, other]
        pid = str(work.pid)
        by_pid = ["--netns", ns.name, "--pid", pid]
        by_comm = ["--netns", ns.name, "--comm", "pbsock"]
        tools = {
            "sockstat": Tool(["sockstat", *by_pid, "--json", "--interval", "0.5"], tmp),
            "sockstat-text": Tool(["sockstat", *by_comm], tmp),  # the default one-second summaries
            "sockstat-raw_tp": Tool(["sockstat", *by_pid, "--json", "--hook-flavour", "raw_tp"], tmp),
            "sockstat-tracepoint": Tool(["sockstat", *by_comm, "--json", "--hook-flavour", "tracepoint"], tmp),
            "sofamily": Tool(["sofamily", *by_pid, "--json"], tmp),
            "sofamily-text": Tool(["sofamily", *by_comm], tmp),
            "soprotocol": Tool(["soprotocol", *by_comm, "--json"], tmp),
            "udpconnect": Tool(["udpconnect", *by_pid, "--json"], tmp),
            "udpconnect-text": Tool(["udpconnect", *by_comm], tmp),
        }
        bt = Bpftrace(work.pid, tmp)
        others.append(bt)
        started = time.monotonic()
        did = work.go()
        other.go()
        time.sleep(max(0.0, 2.3 - (time.monotonic() - started)))  # two one-second summaries of sockstat-text
        bt_maps = bt.finish()
        out = {name: t.finish(signal.SIGINT) for name, t in tools.items()}
    finally:
        for p in others:
            p.kill()
        for t in tools.values():
            if t.proc.poll() is None:
                t.proc.kill()
        ns.close()
        decoy.close()
    lines = {name: json_lines(text, name) for name, text in out.items() if "text" not in name}
    results = []

    # sockstat: every probe's count equals the workload's calls and bpftrace's count.
    want = {SOCKSTAT_PROBES[k]: v for k, v in did["sockstat"].items()}
    bt_sockstat = {probe: bt_maps.get("", {}).get(probe, 0) for probe in SOCKSTAT_PROBES.values()}
    check(bt_sockstat == want, f"bpftrace counts {bt_sockstat} != the workload's {want}")
    for name in ("sockstat", "sockstat-raw_tp", "sockstat-tracepoint"):
        summaries, rows = final_rows(lines[name], name)
        got = {r["probe"]: r["count"] for r in rows}
        check(got == want, f"{name}: {got} != the workload's {want}")
        intervals = {}
        for s in summaries[:-1]:
            for r in s["rows"]:
                intervals[r["probe"]] = intervals.get(r["probe"], 0) + r["count"]
        check(all(intervals.get(p, 0) <= c for p, c in want.items()), f"{name}: interval sums {intervals} > total")
    check(len(lines["sockstat"]) >= 3, f"sockstat --interval 0.5: {len(lines['sockstat'])} summaries")
    for f in ("tp_btf", "raw_tp", "tracepoint"):
        err = tools["sockstat" if f == "tp_btf" else f"sockstat-{f}"].err
        prefix = "tracepoint/sock" if f == "tracepoint" else f
        check(f"{prefix}/sock_send_length" in err and f"{prefix}/sock_recv_length" in err, f"{f}: {err}")
    text = out["sockstat-text"]
    blocks = re.findall(r"^--- sockstat: (total, )?[0-9.]+-[0-9.]+ s: 0 events, 0 lost ---\n((?:.+\n)*)", text, re.M)
    check(len(blocks) >= 3 and blocks[-1][0] and not any(b[0] for b in blocks[:-1]),
          f"sockstat without --interval: a summary a second and a total:\n{text}")
    for _, body in blocks:
        rows = [line.split() for line in body.splitlines()]
        check(rows[0] == ["PROBE", "COUNT"] and [r[0] for r in rows[1:]] == list(SOCKSTAT_PROBES.values()),
              f"sockstat text rows: {rows}")
    total = {r[0]: int(r[1]) for r in [line.split() for line in blocks[-1][1].splitlines()][1:]}
    check(total == want, f"sockstat --comm pbsock text total {total} != {want}")
    results.append(f"sockstat: {sum(want.values())} calls ({', '.join(f'{k} {v}' for k, v in did['sockstat'].items())})"
                   f" = bpftrace's, tp_btf/raw_tp/tracepoint and --pid/--comm alike, {len(blocks) - 1} one-second"
                   " summaries without --interval")

    # sofamily: connects by the family asked for, accepts by the accepted socket's family.
    want = {tuple(k.split()): v for k, v in did["sofamily"].items()}
    _, rows = final_rows(lines["sofamily"], "sofamily")
    got = {(r["call"], str(r["family"])): r["count"] for r in rows}
    check(got == want, f"sofamily {got} != the workload's {want}")
    check(all(r["comm"] == "pbsock" for r in rows), rows)
    names = {r["family"]: r["af"] for r in rows}
    check(names.get(2) == "AF_INET" and names.get(1) == "AF_UNIX" and names.get(0) == "AF_UNSPEC" and
          (not has6 or names.get(10) == "AF_INET6"), names)
    bt_connect = {k.split(", ")[1]: v for k, v in bt_maps.get("connect", {}).items() if k.startswith("pbsock, ")}
    check(bt_connect == {f: v for (call, f), v in want.items() if call == "connect"},
          f"bpftrace connects by family {bt_connect} != sofamily {got}")
    check(bt_maps.get("accept", {}).get("pbsock") == sum(v for (call, _), v in want.items() if call == "accept"),
          f"bpftrace accepts {bt_maps.get('accept')} != sofamily {got}")
    text_rows = [line.split() for line in out["sofamily-text"].splitlines() if line and not line.startswith("---")]
    check(text_rows[0] == ["CALL", "COMM", "FAMILY", "AF", "COUNT"], f"sofamily text header: {text_rows[0]}")
    check({(r[0], r[2]): int(r[4]) for r in text_rows[1:]} == want, f"sofamily --comm text: {text_rows}")
    results.append(f"sofamily: {got} = the workload's = bpftrace's")

    # soprotocol: sk_protocol, sk_type and skc_prot->name of the socket each call was on.
    want = {tuple(k.split()): v for k, v in did["soprotocol"].items()}
    _, rows = final_rows(lines["soprotocol"], "soprotocol")
    got = {(r["call"], str(r["protocol"]), {"SOCK_STREAM": "1", "SOCK_DGRAM": "2"}.get(r["type"], r["type"]),
            r["name"]): r["count"] for r in rows}
    check(got == want, f"soprotocol {got} != the workload's {want}")
    check(all(r["ipproto"] == {0: "IPPROTO_IP", 6: "IPPROTO_TCP", 17: "IPPROTO_UDP"}[r["protocol"]] for r in rows), rows)
    results.append(f"soprotocol: {len(rows)} rows = the workload's ({sum(got.values())} calls)")

    # udpconnect: exactly the UDP connects to an address, with it; not TCP, not AF_UNSPEC.
    events = [x for x in lines["udpconnect"] if x["type"] == "event"]
    got = [[e["ip"], e["raddr"], e["rport"]] for e in events]
    check(got == did["udpconnect"], f"udpconnect {got} != the workload's {did['udpconnect']}")
    check(all(e["pid"] == work.pid and e["comm"] == "pbsock" and re.fullmatch(r"\d\d:\d\d:\d\d", e["time"])
              for e in events), events)
    final = lines["udpconnect"][-1]
    check(final["type"] == "summary" and final["final"] and final["events"] == len(events), final)
    rows = [line.split() for line in out["udpconnect-text"].splitlines() if line and not line.startswith("---")]
    check(rows[0] == ["TIME", "PID", "COMM", "IP", "RADDR", "RPORT"], f"udpconnect text header: {rows[0]}")
    check([[int(r[3]), r[4], int(r[5])] for r in rows[1:]] == did["udpconnect"] and
          all(int(r[1]) == work.pid and r[2] == "pbsock" for r in rows[1:]), f"udpconnect --comm text: {rows}")
    results.append(f"udpconnect: {got} (IPv6 {'on' if has6 else 'off: no ::1 in the netns'})")
    return results


def check_rport_filter(tmp):
    """udpconnect --rport: only connects to that port."""
    ns = Netns("udprport")
    try:
        tool = Tool(["udpconnect", "--netns", ns.name, "--rport", "9", "--json"], tmp)
        code = ("import socket\n"
                "for p in (9, 10, 9, 53):\n"
                "    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(('127.0.0.1', p))\n")
        subprocess.run(ns.cmd(sys.executable, "-c", code), check=True)
        lines = json_lines(tool.finish(signal.SIGINT), "udpconnect --rport 9")
    finally:
        ns.close()
    events = [x for x in lines if x["type"] == "event"]
    check([(e["raddr"], e["rport"]) for e in events] == [("127.0.0.1", 9)] * 2, f"--rport 9: {events}")
    return f"udpconnect --rport 9: {len(events)} of 4 connects (to 9, 10, 9, 53)"


check_list_and_errors()
with tempfile.TemporaryDirectory() as tmp:
    for line in check_tools(tmp):
        print(line)
    print(check_rport_filter(tmp))
check(not leftover_netns(), f"netns left behind: {leftover_netns()}")
assert_clean_host()
print("PASS")
