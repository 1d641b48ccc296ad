#!/usr/bin/python3
"""pathbench probe end to end (root). Each tool gets a fresh netns of its own, the event is
made to happen there, and the tool's counts and fields are held against what pathbench did
not compute: skbdrop against the netns' Udp NoPorts counter, tcplife against the ports,
pids, task names, byte counts and sleeps of the test's own client and server. Every JSON
line is validated against reports/schema/tools.schema.json, which must be what the tool
table generates."""
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
from tooltest import SCHEMA, TAG, Netns, Tool, json_lines, leftover_netns  # noqa: E402

require_root()
assert_clean_host()

def udp_to_closed_port(ns, n, pace=True):
    code = ("import socket, time\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            f"for _ in range({n}):\n"
            "    s.sendto(b'pathbench', ('127.0.0.1', 9))\n"
            f"    {'time.sleep(0.001)' if pace else 'pass'}\n")
    subprocess.run(ns.cmd(sys.executable, "-c", code), check=True)


def check_list_and_errors():
    p = run(["probe", "--schema"], check_rc=0)
    check(json.loads(p.stdout) == SCHEMA,
          "reports/schema/tools.schema.json differs from `pathbench probe --schema`: regenerate it")
    p = run(["probe", "--list", "--json"], check_rc=0)
    entries = {e["name"]: e for e in json_lines(p.stdout, "probe --list --json")}
    for name in ("skbdrop", "tcplife"):
        check(name in entries and entries[name]["works"], f"{name} should work here: {entries.get(name)}")
    check([f["name"] for f in entries["tcplife"]["fields"]] ==
          ["pid", "comm", "laddr", "lport", "raddr", "rport", "tx_kb", "rx_kb", "ms"], entries["tcplife"]["fields"])
    p = run(["probe", "--list"], check_rc=0)
    check("skbdrop" in p.stdout and "tcplife" in p.stdout, p.stdout)
    p = run(["probe", "tcplife", "--help"], check_rc=0)
    check("tx_kb" in p.stdout and "bytes_acked" in p.stdout and "--lport" in p.stdout, p.stdout)

    def usage_error(args, *needles):
        p = run(["probe", *args])
        check(p.returncode == 2, f"probe {args}: exit {p.returncode}, expected 2\n{p.stderr}")
        for n in needles:
            check(n in p.stderr, f"probe {args}: error does not name {n!r}: {p.stderr!r}")

    usage_error(["skbdorp"], "skbdorp", "did you mean 'skbdrop'")
    usage_error(["nosuchtool"], "nosuchtool")
    usage_error(["skbdrop", "--netns", f"{TAG}-missing"], "--netns", f"{TAG}-missing")
    usage_error(["skbdrop", "--pid", "1"], "--pid", "skbdrop")
    usage_error(["tcplife", "--bogus"], "--bogus")
    usage_error(["tcplife", "--duration", "soon"], "--duration")
    usage_error(["tcplife", "--comm", "a-name-longer-than-15"], "--comm")
    usage_error(["tcplife", "--lport", "70000"], "--lport")
    p = run(["probe", "skbdrop", "--netns", f"{TAG}-missing", "--json"])
    err = json_lines(p.stdout, "error with --json")
    check(p.returncode == 2 and len(err) == 1 and err[0]["type"] == "error" and err[0]["exit_code"] == 2, p.stdout)
    # Without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN: exit 4 naming what is missing.
    p = subprocess.run(["setpriv", "--bounding-set", "-bpf,-perfmon,-sys_admin", PATHBENCH, "probe", "skbdrop",
                        "--duration", "1"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 4 and "CAP_BPF" in p.stderr, f"no privilege: exit {p.returncode} {p.stderr}")


def check_skbdrop(tmp):
    n_drops, n_other = 50, 20
    ns, other = Netns("drop"), Netns("other")
    try:
        before, other_before = ns.udp_noports(), other.udp_noports()
        tool = Tool(["skbdrop", "--netns", ns.name, "--json", "--interval", "0.5"], tmp)
        # The same drops through the twins a kernel without tp_btf (or without BTF) gets.
        twins = {f: Tool(["skbdrop", "--netns", ns.name, "--json", "--hook-flavour", f], tmp)
                 for f in ("raw_tp", "tracepoint")}
        udp_to_closed_port(ns, n_drops)
        udp_to_closed_port(other, n_other)  # another netns: filtered out in BPF
        noports = ns.udp_noports() - before
        other_noports = other.udp_noports() - other_before
        time.sleep(0.6)  # one interval summary with the drops in it
        lines = json_lines(tool.finish(signal.SIGINT), "skbdrop")
        twin_lines = {f: json_lines(t.finish(signal.SIGINT), f"skbdrop --hook-flavour {f}") for f, t in twins.items()}
    finally:
        ns.close()
        other.close()
    events = [x for x in lines if x["type"] == "event"]
    summaries = [x for x in lines if x["type"] == "summary"]
    check(summaries and summaries[-1]["final"] and not any(s["final"] for s in summaries[:-1]),
          f"one final summary, last: {[s['final'] for s in summaries]}")
    check(any(not s["final"] for s in summaries), "no interval summary")
    final = summaries[-1]
    no_socket = [e for e in events if e["reason"] == "NO_SOCKET"]
    check(noports == n_drops and other_noports == n_other, f"Udp NoPorts deltas {noports}, {other_noports}")
    check(len(no_socket) == noports, f"{len(no_socket)} NO_SOCKET events, Udp NoPorts says {noports}")
    check(all(e["netns"] == ns.inode for e in events),
          f"events outside netns {ns.inode}: {sorted({e['netns'] for e in events})}")
    for e in no_socket:
        check("udp" in e["location"].split("+")[0], f"NO_SOCKET not in a udp function: {e['location']}")
        check(e["protocol"] == "IPv4" and e["ifindex"] == 1, f"lo/IPv4 expected: {e}")
        check(e["stack"] and any("udp" in f for f in e["stack"]) and not e["stack"][0].startswith("bpf_prog"),
              f"kernel stack: {e['stack']}")
    rows = {(r["reason"], r["location"]): r["count"] for r in final["rows"]}
    row_no_socket = sum(c for (reason, _), c in rows.items() if reason == "NO_SOCKET")
    check(row_no_socket == noports, f"final summary NO_SOCKET {row_no_socket}, Udp NoPorts {noports}: {final['rows']}")
    check(final["events"] == len(events) and final["lost"] == 0, f"final: events {final['events']}, lost {final['lost']}")
    per_interval = sum(r["count"] for s in summaries[:-1] for r in s["rows"] if r["reason"] == "NO_SOCKET")
    check(per_interval <= row_no_socket, f"interval rows {per_interval} exceed the total {row_no_socket}")
    check("tracing with tp_btf/kfree_skb" in tool.err, tool.err)
    for f, twin in twin_lines.items():
        check(f"tracing with {f}/" in twins[f].err, f"{f}: {twins[f].err}")
        got = [e for e in twin if e["type"] == "event" and e["reason"] == "NO_SOCKET"]
        check(len(got) == noports and all(e["netns"] == ns.inode and e["stack"] for e in got),
              f"{f}: {len(got)} NO_SOCKET events, Udp NoPorts {noports}")
    return f"skbdrop: {len(no_socket)} NO_SOCKET = Udp NoPorts {noports} at {no_socket[0]['location']} " \
           f"(tp_btf, raw_tp and tracepoint alike), {n_other} in another netns filtered, {len(summaries)} summaries"


def check_lost_events():
    """A reader that stops reading: the tool blocks on stdout, the ring fills, and the BPF side
    counts what it could not queue; events + lost add up to the in-kernel counts, whose
    NO_SOCKET row equals Udp NoPorts."""
    n = 40000  # the 1 MiB ring holds 26214 skbdrop records
    ns = Netns("lost")
    try:
        before = ns.udp_noports()
        proc = subprocess.Popen([PATHBENCH, "probe", "skbdrop", "--netns", ns.name], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        err = proc.stderr.readline().decode()
        check("tracing" in err, f"skbdrop did not start: {err}")
        udp_to_closed_port(ns, n, pace=False)  # stdout is not read meanwhile: the pipe fills, then the ring
        noports = ns.udp_noports() - before
        proc.send_signal(signal.SIGINT)
        out, rest = proc.communicate(timeout=120)
        err += rest.decode()
    finally:
        ns.close()
    text = out.decode(errors="replace")
    check(proc.returncode == 0, f"exit {proc.returncode}: {err}")
    final = text[text.rindex("--- skbdrop: total"):]
    m = re.match(r"--- skbdrop: total, [0-9.]+-[0-9.]+ s: (\d+) events, (\d+) LOST \(ring buffer full\) ---\n", final)
    check(m, f"the final summary should report lost events: {final[:300]}")
    received, lost = int(m.group(1)), int(m.group(2))
    event_lines = sum(1 for line in text.splitlines() if line and not line.startswith((" ", "-", "REASON")))
    rows = [line.split() for line in final.splitlines()[2:] if line and not line.startswith("note")]
    counted = sum(int(r[-1]) for r in rows)
    no_socket = sum(int(r[-1]) for r in rows if r[0] == "NO_SOCKET")
    check(lost > 0 and event_lines - len(rows) == received, f"{event_lines} lines, {received} events, {lost} lost")
    check(received + lost == counted, f"events {received} + lost {lost} != in-kernel count {counted}")
    check(no_socket == noports, f"NO_SOCKET {no_socket} != Udp NoPorts {noports}")
    check(f"{lost} events lost" in err, f"no warning on stderr: {err}")
    return f"lost events: {received} received + {lost} lost = {counted} counted in the kernel (NoPorts {noports})"


SERVER = r"""
import ctypes, socket, sys
ctypes.CDLL(None).prctl(15, b"pbserver", 0, 0, 0)
port, k, a, b = map(int, sys.argv[1:5])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
print("ready", flush=True)
for _ in range(k):
    c, _ = srv.accept()
    got = 0
    while got < a:
        got += len(c.recv(65536))
    c.sendall(b"y" * b)
    while c.recv(65536):  # until the client's FIN: the client closes first
        pass
    c.close()
print("done", flush=True)
"""

CLIENT = r"""
import ctypes, json, socket, sys, time
ctypes.CDLL(None).prctl(15, b"pbclient", 0, 0, 0)
port, k, a, b = map(int, sys.argv[1:5])
sys.stdin.readline()
ports = []
for _ in range(k):
    s = socket.create_connection(("127.0.0.1", port))
    ports.append(s.getsockname()[1])
    s.sendall(b"x" * a)
    got = 0
    while got < b:
        got += len(s.recv(65536))
    time.sleep(0.02)
    s.close()
print(json.dumps(ports), flush=True)
"""


def check_tcplife(tmp):
    k, tx, rx, port = 4, 100000, 30000, 5001
    ns = Netns("tcp")
    procs = []
    try:
        server = subprocess.Popen(ns.cmd(sys.executable, "-c", SERVER, str(port), str(k), str(tx), str(rx)),
                                  stdout=subprocess.PIPE, text=True)
        procs.append(server)
        check(server.stdout.readline().strip() == "ready", "server did not start")
        client = subprocess.Popen(ns.cmd(sys.executable, "-c", CLIENT, str(port), str(k), str(tx), str(rx)),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(client)
        every = Tool(["tcplife", "--netns", ns.name, "--json"], tmp)
        by_pid = Tool(["tcplife", "--netns", ns.name, "--pid", str(client.pid), "--duration", "4"], tmp)
        by_comm = Tool(["tcplife", "--netns", ns.name, "--comm", "pbserver", "--lport", str(port), "--json",
                        "--log2"], tmp)
        twins = {f: Tool(["tcplife", "--netns", ns.name, "--json", "--hook-flavour", f], tmp)
                 for f in ("raw_tp", "tracepoint")}
        out, _ = client.communicate("go\n", timeout=30)
        ports = json.loads(out)
        check(server.wait(timeout=30) == 0 and client.returncode == 0, "client/server failed")
        time.sleep(0.2)
        every_lines = json_lines(every.finish(signal.SIGINT), "tcplife")
        comm_lines = json_lines(by_comm.finish(signal.SIGTERM), "tcplife --comm")
        pid_text = by_pid.finish()
        twin_lines = {f: json_lines(t.finish(signal.SIGINT), f"tcplife --hook-flavour {f}") for f, t in twins.items()}
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        ns.close()

    events = [x for x in every_lines if x["type"] == "event"]
    check(len(events) == 2 * k, f"{len(events)} sessions closed, expected {2 * k} (both ends of {k}): {events}")
    clients = [e for e in events if e["rport"] == port]
    servers = [e for e in events if e["lport"] == port]
    check(sorted(e["lport"] for e in clients) == sorted(ports), f"client ports {[e['lport'] for e in clients]} != {ports}")
    check(sorted(e["rport"] for e in servers) == sorted(ports), f"server peers {[e['rport'] for e in servers]} != {ports}")
    for e in clients:
        check(e["pid"] == client.pid and e["comm"] == "pbclient", f"client owner: {e}, pid {client.pid}")
        check(abs(e["tx_kb"] - tx / 1024) < 1 and abs(e["rx_kb"] - rx / 1024) < 1, f"client bytes: {e}")
    for e in servers:
        check(e["pid"] == server.pid and e["comm"] == "pbserver", f"server owner: {e}, pid {server.pid}")
        check(abs(e["tx_kb"] - rx / 1024) < 1 and abs(e["rx_kb"] - tx / 1024) < 1, f"server bytes: {e}")
    for e in events:
        check(e["laddr"] == e["raddr"] == "127.0.0.1", f"addresses: {e}")
        check(20 <= e["ms"] < 10000, f"the client keeps each session open 20 ms: {e}")
    final = every_lines[-1]
    check(final["type"] == "summary" and final["final"] and final["events"] == 2 * k and final["lost"] == 0, final)
    check(final["histograms"]["lifespan"]["count"] == 2 * k and final["histograms"]["lifespan"]["min"] >= 20000,
          final["histograms"])

    comm_events = [x for x in comm_lines if x["type"] == "event"]
    check(len(comm_events) == k and all(e["comm"] == "pbserver" and e["lport"] == port for e in comm_events),
          f"--comm pbserver --lport {port}: {comm_events}")

    rows = [line.split() for line in pid_text.splitlines()]
    check(rows[0] == ["PID", "COMM", "LADDR", "LPORT", "RADDR", "RPORT", "TX_KB", "RX_KB", "MS"], f"header: {rows[0]}")
    data = [r for r in rows[1:] if r and r[0].isdigit()]
    check(len(data) == k, f"--pid {client.pid}: {len(data)} rows, expected {k}\n{pid_text}")
    for r in data:
        check(len(r) == 9 and int(r[0]) == client.pid and r[1] == "pbclient" and int(r[5]) == port, f"row {r}")
        check(int(r[6]) == tx // 1024 and int(r[7]) == rx // 1024 and float(r[8]) >= 20, f"row {r}")
    check(sorted(int(r[3]) for r in data) == sorted(ports), f"text LPORTs vs {ports}")
    check("--- tcplife: total" in pid_text and "lifespan (us): count 4" in pid_text, pid_text[-800:])
    def session(e):
        return (e["pid"], e["comm"], e["lport"], e["rport"], e["tx_kb"], e["rx_kb"])

    for f, lines in twin_lines.items():
        check(f"tracing with {f}/" in twins[f].err, f"{f}: {twins[f].err}")
        got = sorted(session(e) for e in lines if e["type"] == "event")
        check(got == sorted(session(e) for e in events), f"{f} saw other sessions: {got}")
    c0 = clients[0]
    return f"tcplife: {len(events)} sessions (tp_btf, raw_tp and tracepoint alike), client {c0['tx_kb']}/" \
           f"{c0['rx_kb']} KiB in {c0['ms']:.1f} ms"


check_list_and_errors()
with tempfile.TemporaryDirectory() as tmp:
    print(check_skbdrop(tmp))
    print(check_tcplife(tmp))
print(check_lost_events())
check(not leftover_netns(), f"netns left behind: {leftover_netns()}")
assert_clean_host()
print("PASS")
