#!/usr/bin/python3
"""pathbench probe: the TCP tools end to end (root). Each check makes its own netns (a veth
pair between two for tcpretrans), makes the events happen there and holds the tool's
output against what pathbench did not compute: the test's own ports, pids and task names,
the netns' Tcp/TcpExt counters, Debian's libbpf-tools tcpstates (inet_sock_set_state) and
bpftrace tracepoint one-liners. Every JSON line is validated against the tools schema."""
import json
import os
import re
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

HERE = os.path.dirname(os.path.abspath(__file__))
TCP_TOOLS = ("tcpconnect", "tcpaccept", "tcpretrans", "tcpsynbl", "tcpwin", "tcpnagle")


def counters(ns, group):
    """The `group` counters ("Tcp", "TcpExt") of netns `ns`, read by the test itself."""
    out = {}
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        text = subprocess.run(ns.cmd("cat", path), capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in text.splitlines() if line.startswith(group + ":")]
        for names, values in zip(rows[::2], rows[1::2]):
            out.update(zip(names[1:], map(int, values[1:])))
    return out


def events_of(lines):
    return [x for x in lines if x["type"] == "event"]


def final_of(lines, tool):
    summaries = [x for x in lines if x["type"] == "summary"]
    check(summaries and summaries[-1]["final"], f"{tool}: no final summary last: {summaries[-1:]}")
    check(summaries[-1]["lost"] == 0, f"{tool}: events lost: {summaries[-1]}")
    return summaries[-1]


class Bpftrace:
    """A bpftrace script in the background; counts() returns its printed maps once stopped."""

    def __init__(self, script):
        self.proc = subprocess.Popen(["bpftrace", "-e", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.head = ""
        while "Attaching" not in self.head:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"bpftrace did not start: {self.head}")
            self.head += line
        time.sleep(0.3)  # "Attaching" is printed before the attach itself

    def counts(self):
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=30)
        return {m.group(1): int(m.group(2)) for m in re.finditer(r"^@(\w*): (\d+)$", out, re.M)}

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Tcpstates:
    """Debian's libbpf-tools tcpstates (every netns, so the test's ports pick its sessions)."""

    def __init__(self):
        self.proc = subprocess.Popen(["stdbuf", "-oL", "/usr/sbin/tcpstates"], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        header = self.proc.stdout.readline()
        check("OLDSTATE" in header, f"tcpstates did not start: {header}")
        time.sleep(0.3)

    def transitions(self):
        """(lport, rport, old, new) per line."""
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=30)
        rows = []
        for line in out.splitlines():
            f = line.split()
            if len(f) >= 10 and f[-3] == "->":  # SKADDR PID COMM LADDR LPORT RADDR RPORT OLD -> NEW MS
                rows.append((int(f[-7]), int(f[-5]), f[-4], f[-2]))
        return rows

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def stop_all(procs):
    """Kills what a failed check left running (Popen, Bpftrace, Tcpstates)."""
    for p in procs:
        if not isinstance(p, subprocess.Popen):
            p.kill()
        elif p.poll() is None:
            p.kill()
            p.wait()


def check_list_and_errors():
    p = run(["probe", "--list", "--json"], check_rc=0)
    entries = {e["name"]: e for e in json_lines(p.stdout, "probe --list --json")}
    for name in TCP_TOOLS:
        check(name in entries and entries[name]["works"], f"{name} should work here: {entries.get(name)}")
    check("approximation" in entries["tcpnagle"]["doc"] and "per TCP sendmsg" in entries["tcpnagle"]["reason"],
          entries["tcpnagle"])
    check([f["name"] for f in entries["tcpconnect"]["fields"]] ==
          ["time", "pid", "comm", "saddr", "sport", "daddr", "dport"], entries["tcpconnect"]["fields"])
    check([f["name"] for f in entries["tcpretrans"]["fields"]][:7] ==
          ["time", "pid", "laddr", "lport", "raddr", "rport", "state"], entries["tcpretrans"]["fields"])
    p = run(["probe", "tcpwin", "--help"], check_rc=0)
    check("snd_cwnd" in p.stdout and "sk_wmem_queued" in p.stdout and "--rport" in p.stdout, p.stdout)
    for args, flag in ((["tcpretrans", "--pid", "1"], "--pid"), (["tcpsynbl", "--rport", "80"], "--rport"),
                       (["tcpwin", "--comm", "x"], "--comm"), (["tcpconnect", "--lport", "x"], "--lport")):
        p = run(["probe", *args])
        check(p.returncode == 2 and flag in p.stderr, f"probe {args}: exit {p.returncode}, {p.stderr!r}")


SERVER = r"""
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, b"pbtcpsrv", 0, 0, 0)
port, k = map(int, sys.argv[1:3])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
print("ready", flush=True)
conns = [srv.accept()[0] for _ in range(k)]
for c in conns:
    c.close()
print("done", flush=True)
"""

CLIENT = r"""
import ctypes, json, socket, sys
ctypes.CDLL(None).prctl(15, b"pbtcpcli", 0, 0, 0)
port, k, closed = map(int, sys.argv[1:4])
sys.stdin.readline()
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(k)]
ports = [s.getsockname()[1] for s in socks]
try:
    socket.create_connection(("127.0.0.1", closed))  # refused: a connect tcpconnect shows, tcpaccept not
except ConnectionRefusedError:
    pass
for s in socks:
    s.close()
print(json.dumps(ports), flush=True)
"""


def check_connect_accept(tmp):
    k, port, closed = 5, 17301, 17302
    ns = Netns("conn")
    procs = []
    try:
        server = subprocess.Popen(ns.cmd(sys.executable, "-c", SERVER, str(port), str(k)), stdout=subprocess.PIPE,
                                  text=True)
        procs.append(server)
        check(server.stdout.readline().strip() == "ready", "server did not start")
        client = subprocess.Popen(ns.cmd(sys.executable, "-c", CLIENT, str(port), str(k), str(closed)),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(client)
        states = Tcpstates()
        procs.append(states)
        conn = Tool(["tcpconnect", "--netns", ns.name, "--json"], tmp)
        conn_text = Tool(["tcpconnect", "--netns", ns.name, "--pid", str(client.pid), "--rport", str(port)], tmp)
        conn_twins = {f: Tool(["tcpconnect", "--netns", ns.name, "--json", "--hook-flavour", f], tmp)
                      for f in ("raw_tp", "tracepoint")}
        acc = Tool(["tcpaccept", "--netns", ns.name, "--json"], tmp)
        acc_comm = Tool(["tcpaccept", "--netns", ns.name, "--comm", "pbtcpcli", "--json"], tmp)  # accepts nothing
        out, _ = client.communicate("go\n", timeout=30)
        ports = json.loads(out)
        check(server.stdout.readline().strip() == "done" and server.wait(timeout=30) == 0 and client.returncode == 0,
              "client/server failed")
        time.sleep(0.2)
        conn_lines = json_lines(conn.finish(signal.SIGINT), "tcpconnect")
        text = conn_text.finish(signal.SIGINT)
        twin_lines = {f: json_lines(t.finish(signal.SIGINT), f"tcpconnect --hook-flavour {f}")
                      for f, t in conn_twins.items()}
        acc_lines = json_lines(acc.finish(signal.SIGINT), "tcpaccept")
        comm_lines = json_lines(acc_comm.finish(signal.SIGINT), "tcpaccept --comm")
        transitions = states.transitions()
    finally:
        stop_all(procs)
        ns.close()

    conns = events_of(conn_lines)
    check(len(conns) == k + 1, f"tcpconnect: {len(conns)} connects, expected {k} + 1 refused: {conns}")
    to_port = [e for e in conns if e["dport"] == port]
    check(sorted(e["sport"] for e in to_port) == sorted(ports), f"tcpconnect sports {to_port} != {ports}")
    check([e["dport"] for e in conns].count(closed) == 1, f"the refused connect: {conns}")
    for e in conns:
        check(e["pid"] == client.pid and e["comm"] == "pbtcpcli" and e["saddr"] == e["daddr"] == "127.0.0.1",
              f"tcpconnect owner/addresses: {e}, client pid {client.pid}")
        check(re.fullmatch(r"\d\d:\d\d:\d\d", e["time"]), e)
    for f, lines in twin_lines.items():
        got = sorted((e["sport"], e["dport"], e["pid"]) for e in events_of(lines))
        check(got == sorted((e["sport"], e["dport"], e["pid"]) for e in conns), f"tcpconnect {f}: {got}")
    rows = [line.split() for line in text.splitlines() if line.strip()]
    check(rows[0] == ["TIME", "PID", "COMM", "SADDR", "SPORT", "DADDR", "DPORT"], f"header: {rows[0]}")
    data = [r for r in rows[1:] if re.fullmatch(r"\d\d:\d\d:\d\d", r[0])]
    check(len(data) == k and all(int(r[1]) == client.pid and r[2] == "pbtcpcli" and int(r[6]) == port for r in data),
          f"--pid --rport text rows:\n{text}")
    check(sorted(int(r[4]) for r in data) == sorted(ports), f"text SPORTs vs {ports}")

    accs = events_of(acc_lines)
    check(len(accs) == k, f"tcpaccept: {len(accs)} accepts, expected {k}: {accs}")
    check(sorted(e["rport"] for e in accs) == sorted(ports), f"tcpaccept rports {accs} != {ports}")
    # The server was blocked in accept() before the tool attached: that accept has no entry
    # record, so its listener queue is unknown.
    check(all(e["bl"] is not None for e in accs[1:]), f"only the first accept may lack its queue: {accs}")
    for e in accs:
        check(e["pid"] == server.pid and e["comm"] == "pbtcpsrv" and e["lport"] == port and
              e["laddr"] == e["raddr"] == "127.0.0.1", f"tcpaccept owner/tuple: {e}, server pid {server.pid}")
        check(e["bl"] is None and e["bl_max"] is None or e["bl_max"] == 16 and 0 <= e["bl"] < k,
              f"tcpaccept queue: {e}")
    acc_final = final_of(acc_lines, "tcpaccept")
    check(acc_final["rows"] == [{"handshakes": k, "accepts": k}], f"tcpaccept summary: {acc_final}")
    check(not events_of(comm_lines), f"tcpaccept --comm pbtcpcli saw accepts: {events_of(comm_lines)}")

    # libbpf-tools tcpstates on the same tracepoint, every netns: the test's ports pick its sessions.
    syn_sent = [t for t in transitions if t[2] == "CLOSE" and t[3] == "SYN_SENT" and t[1] in (port, closed)]
    established = [t for t in transitions if t[2] == "SYN_RECV" and t[3] == "ESTABLISHED" and t[0] == port]
    check(len(syn_sent) == len(conns) and len(established) == len(accs),
          f"tcpstates: {len(syn_sent)} CLOSE->SYN_SENT (tcpconnect {len(conns)}), {len(established)} "
          f"SYN_RECV->ESTABLISHED (tcpaccept {len(accs)})")
    check(sorted(t[1] for t in established) == sorted(ports), f"tcpstates peers {established}")
    return (f"tcpconnect: {len(conns)} connects ({k} + 1 refused; raw_tp and tracepoint alike), tcpaccept: "
            f"{len(accs)} accepts; tcpstates: {len(syn_sent)} CLOSE->SYN_SENT, {len(established)} SYN_RECV->ESTABLISHED")


SINK = r"""
import socket, sys
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", port))
srv.listen(1)
print("ready", flush=True)
c, _ = srv.accept()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
print(n, flush=True)
"""

SOURCE = r"""
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port))
print(s.getsockname()[1], flush=True)
s.sendall(b"x" * n)
s.close()
"""


def transfer(src, dst, host, port, n):
    """n bytes from netns src to a sink in netns dst; returns (source port, bytes received)."""
    sink = subprocess.Popen(dst.cmd(sys.executable, "-c", SINK, str(port)), stdout=subprocess.PIPE, text=True)
    try:
        check(sink.stdout.readline().strip() == "ready", "sink did not start")
        out = subprocess.run(src.cmd(sys.executable, "-c", SOURCE, host, str(port), str(n)), capture_output=True,
                             text=True, check=True, timeout=30).stdout
        got = int(sink.stdout.readline())
        sink.wait(timeout=10)
        return int(out), got
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()


def check_retrans(tmp):
    port, nth, n = 17310, 5, 200000
    obj = os.path.join(tmp, "drop_tcp.o")
    subprocess.run(["clang", "-O2", "-g", "-target", "bpf", f"-DDROP_PORT={port}", f"-DDROP_NTH={nth}",
                    "-I/usr/include/x86_64-linux-gnu", "-c", os.path.join(HERE, "drop_tcp.bpf.c"), "-o", obj],
                   check=True)
    a, b = Netns("rta"), Netns("rtb")
    va, vb = f"pbr{os.getpid() % 100000}a", f"pbr{os.getpid() % 100000}b"
    procs = []
    try:
        subprocess.run(["ip", "link", "add", va, "netns", a.name, "type", "veth", "peer", "name", vb, "netns", b.name],
                       check=True)
        for ns, dev, addr in ((a, va, "198.18.31.1/24"), (b, vb, "198.18.31.2/24")):
            subprocess.run(ns.cmd("ip", "addr", "add", addr, "dev", dev), check=True)
            subprocess.run(ns.cmd("ip", "link", "set", dev, "up"), check=True)
        # Native XDP on the receiver: the peer then stops GSO, so segment nth is one MSS.
        subprocess.run(b.cmd("ip", "link", "set", "dev", vb, "xdpdrv", "obj", obj, "sec", "xdp"), check=True)
        tool = Tool(["tcpretrans", "--netns", a.name, "--json", "--interval", "0.5"], tmp)
        twin = Tool(["tcpretrans", "--netns", a.name, "--json", "--hook-flavour", "tracepoint"], tmp)
        other = Tool(["tcpretrans", "--netns", b.name, "--json"], tmp)  # the receiver retransmits nothing
        bt = Bpftrace(f"tracepoint:tcp:tcp_retransmit_skb /args->dport == {port}/ {{ @retrans = count(); }}")
        procs.append(bt)
        before = counters(a, "Tcp")["RetransSegs"]
        sport, got = transfer(a, b, "198.18.31.2", port, n)
        time.sleep(0.3)
        retrans_segs = counters(a, "Tcp")["RetransSegs"] - before
        lines = json_lines(tool.finish(signal.SIGINT), "tcpretrans")
        twin_lines = json_lines(twin.finish(signal.SIGINT), "tcpretrans --hook-flavour tracepoint")
        other_lines = json_lines(other.finish(signal.SIGINT), "tcpretrans in the receiver's netns")
        bt_count = bt.counts().get("retrans", 0)
    finally:
        stop_all(procs)
        a.close()
        b.close()
    check(got == n, f"the sink got {got} of {n} bytes")
    check(retrans_segs >= 1, f"the dropped segment was not retransmitted: RetransSegs +{retrans_segs}")
    evs = events_of(lines)
    sent = [e for e in evs if e["err"] == 0]
    check(len(sent) == retrans_segs, f"tcpretrans: {len(sent)} retransmits, Tcp RetransSegs +{retrans_segs}: {evs}")
    for e in evs:
        check((e["laddr"], e["lport"], e["raddr"], e["rport"]) == ("198.18.31.1", sport, "198.18.31.2", port),
              f"retransmit tuple: {e}, source port {sport}")
        check(e["state"] in ("ESTABLISHED", "FIN_WAIT1"), e)
    final = final_of(lines, "tcpretrans")
    row = final["rows"][0]
    check(row["retransmits"] == len(sent) and row["retrans_segs"] == retrans_segs and row["synacks"] == 0 and
          row["tlp"] is not None, f"tcpretrans summary: {final}")
    check(sum(s["rows"][0]["retransmits"] for s in lines if s["type"] == "summary" and not s["final"]) <= len(sent),
          "interval summaries count more than the total")
    check(len([e for e in events_of(twin_lines) if e["err"] == 0]) == len(sent), f"tracepoint twin: {twin_lines}")
    check(not events_of(other_lines), f"the receiver's netns: {events_of(other_lines)}")
    check(bt_count == len(evs), f"bpftrace tracepoint:tcp:tcp_retransmit_skb counted {bt_count}, tcpretrans {len(evs)}")
    return f"tcpretrans: {len(sent)} retransmit(s) = Tcp RetransSegs +{retrans_segs} = bpftrace {bt_count} " \
           f"(segment {nth} dropped by XDP), TLP +{row['tlp']}"


BACKLOG = r"""
import socket, sys, time
port, limit, m = map(int, sys.argv[1:4])
srv = socket.socket()
srv.bind(("127.0.0.1", port))
srv.listen(limit)  # never accepted
socks = []
for _ in range(m):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    socks.append(c)
print("connected", flush=True)
sys.stdin.readline()
"""


def check_synbl(tmp):
    port, limit, m = 17320, 4, 9
    ns = Netns("synbl")
    procs = []
    try:
        tool = Tool(["tcpsynbl", "--netns", ns.name, "--json"], tmp)
        text_tool = Tool(["tcpsynbl", "--netns", ns.name, "--lport", str(port), "--log2"], tmp)
        bt = Bpftrace("tracepoint:sock:inet_sock_set_state /args->oldstate == 10 && args->newstate == 3 && "
                      f"args->sport == {port}/ {{ @children = count(); }}")
        procs.append(bt)
        before = counters(ns, "TcpExt")
        # SYNs retried after 1 s would overflow again: everything below ends well before that.
        client = subprocess.Popen(ns.cmd(sys.executable, "-c", BACKLOG, str(port), str(limit), str(m)),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(client)
        check(client.stdout.readline().strip() == "connected", "client failed")
        time.sleep(0.2)
        lines = json_lines(tool.finish(signal.SIGINT), "tcpsynbl")
        text = text_tool.finish(signal.SIGINT)
        after = counters(ns, "TcpExt")
        bt_children = bt.counts().get("children", 0)
        client.communicate("", timeout=10)
    finally:
        stop_all(procs)
        ns.close()
    overflows = after["ListenOverflows"] - before["ListenOverflows"]
    drops = after["ListenDrops"] - before["ListenDrops"]
    final = final_of(lines, "tcpsynbl")
    rows = {(r["limit"], r["backlog"]): r["count"] for r in final["rows"]}
    # sk_acceptq_is_full() is sk_ack_backlog > sk_max_ack_backlog: listen(N) queues N + 1.
    check(rows == {(limit, q): 1 for q in range(limit + 1)}, f"tcpsynbl rows at limit {limit}: {final['rows']}")
    check(final["histograms"]["backlog"]["count"] == limit + 1, final["histograms"])
    check(overflows == m - (limit + 1) and drops == overflows, f"ListenOverflows +{overflows}, ListenDrops +{drops}")
    note = [n for n in final["notes"] if "ListenOverflows" in n]
    check(note and f"ListenOverflows +{overflows}," in note[0] and f"ListenDrops +{drops} " in note[0],
          f"tcpsynbl's overflow note vs +{overflows}: {final['notes']}")
    check(bt_children == limit + 1, f"bpftrace LISTEN->SYN_RECV {bt_children}, expected {limit + 1}")
    check(re.search(r"^LIMIT +BACKLOG +COUNT$", text, re.M) and f"ListenOverflows +{overflows}," in text and
          "[4, 8)" in text, f"tcpsynbl text (--log2):\n{text}")
    return f"tcpsynbl: backlog 0..{limit} at limit {limit} (= bpftrace {bt_children} children), " \
           f"ListenOverflows +{overflows} reported"


def check_tcpwin(tmp):
    port, n = 17330, 300000
    ns = Netns("win")
    try:
        tool = Tool(["tcpwin", "--netns", ns.name, "--json", "--rport", str(port)], tmp)  # the sender's side
        recv = Tool(["tcpwin", "--netns", ns.name, "--json", "--lport", str(port)], tmp)  # the receiver's
        sport, got = transfer(ns, ns, "127.0.0.1", port, n)
        time.sleep(0.2)
        sender = events_of(json_lines(tool.finish(signal.SIGINT), "tcpwin --rport"))
        receiver = events_of(json_lines(recv.finish(signal.SIGINT), "tcpwin --lport"))
    finally:
        ns.close()
    check(got == n, f"sink got {got}")
    data = sum(e["data_len"] for e in receiver)
    check(data == n, f"tcpwin: the receiver's segments carry {data} bytes, {n} were sent")
    check(receiver and all(e["lport"] == port and e["rport"] == sport for e in receiver), receiver[:3])
    check(len({e["sock"] for e in receiver}) == 1 and len({e["sock"] for e in sender}) == 1, "one socket each side")
    check(sender and all(e["data_len"] == 0 and e["lport"] == sport for e in sender),
          f"the sender receives only ACKs: {sender[:3]}")
    for e in sender + receiver:
        check(e["snd_cwnd"] > 0 and e["sk_sndbuf"] > 0 and e["snd_ssthresh"] > 0, e)
    check(max(e["sk_wmem_queued"] for e in sender) > 0, "the sender never had bytes queued")
    times = [e["time_us"] for e in receiver]
    check(times == sorted(times), "time_us goes back")
    return f"tcpwin: {len(receiver)} segments with {data} bytes at the receiver, {len(sender)} ACKs at the sender " \
           f"(cwnd up to {max(e['snd_cwnd'] for e in receiver + sender)})"


NAGLE = r"""
import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, b"pbnagle", 0, 0, 0)
port = int(sys.argv[1])
srv = socket.socket()
srv.bind(("127.0.0.1", port))
srv.listen(1)
c = socket.create_connection(("127.0.0.1", port))
a, _ = srv.accept()
for _ in range(5):
    c.send(b"n" * 100)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for _ in range(3):
    c.send(b"d" * 100)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
for _ in range(2):
    c.send(b"c" * 100)
time.sleep(0.2)  # corked: those two writes wait 200 ms for their first transmit
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
a.sendall(b"r" * 10)  # the accepted socket's send, filtered out by --rport
time.sleep(0.05)
"""


def check_nagle(tmp):
    port = 17340
    ns = Netns("nagle")
    try:
        tool = Tool(["tcpnagle", "--netns", ns.name, "--comm", "pbnagle", "--rport", str(port), "--json"], tmp)
        subprocess.run(ns.cmd(sys.executable, "-c", NAGLE, str(port)), check=True, timeout=30)
        lines = json_lines(tool.finish(signal.SIGINT), "tcpnagle")
    finally:
        ns.close()
    final = final_of(lines, "tcpnagle")
    rows = {r["nagle"]: r["sendmsgs"] for r in final["rows"]}
    off = sum(c for f, c in rows.items() if "OFF" in f.split("|") and "CORK" not in f.split("|"))
    cork = sum(c for f, c in rows.items() if "CORK" in f.split("|"))
    check(rows.get("ON") == 5 and off == 3 and cork == 2 and sum(rows.values()) == 10,
          f"tcpnagle: 5 sends with Nagle, 3 with TCP_NODELAY, 2 corked expected: {final['rows']}")
    check(any("per TCP sendmsg" in n for n in final["notes"]), final["notes"])
    blocked = final["histograms"]["blocked"]
    # One wait per socket at a time: the 10 writes give 1..10 samples, the corked one 200 ms.
    check(1 <= blocked["count"] <= 10 and 200000 <= blocked["max"] < 1000000, f"blocked (us): {blocked}")
    return f"tcpnagle: {rows}, blocked: {blocked['count']} waits, max {blocked['max']} us"


check_list_and_errors()
with tempfile.TemporaryDirectory() as tmp:
    for fn in (check_connect_accept, check_retrans, check_synbl, check_tcpwin, check_nagle):
        print(fn(tmp), flush=True)
check(not leftover_netns(), f"netns left behind: {leftover_netns()}")
assert_clean_host()
print("PASS")
