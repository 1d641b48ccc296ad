#!/usr/bin/python3
"""pathbench probe soconnect, soaccept, soconnlat, so1stbyte end to end (root). In a fresh
netns a test server and client make a known set of TCP sessions: blocking connects over
IPv4 and IPv6, one connect refused by a closed port, one non-blocking connect completed by
select(), a failed non-blocking accept (EAGAIN) and accepts with and without a peer
sockaddr; the server sends its first bytes a known delay after each accept. Each tool's
events and counts are held against what the test did (ports the client reports, pids,
task names, results) and against bpftrace running the book's logic on the same syscall
tracepoints. Traffic in a second netns must not show up."""
import json
import os
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

PORT4, PORT6, CLOSED = 5301, 5302, 5309
K4, K6 = 3, 2          # blocking sessions over IPv4 and IPv6
DELAY = 0.04           # the server's sleep between accept and its first byte
NBYTES = 1000

SERVER = r"""
import ctypes, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, b"pbsrv2", 0, 0, 0)
port4, port6, k4, k6, delay, nbytes = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
l4 = socket.socket()
l4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l4.bind(("127.0.0.1", port4))
l4.listen(16)
l6 = socket.socket(socket.AF_INET6)
l6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l6.bind(("::1", port6))
l6.listen(16)
print("ready", flush=True)
sys.stdin.readline()
l4.setblocking(False)
try:
    l4.accept()
    sys.exit("accept on an empty queue succeeded")
except BlockingIOError:
    pass
l4.setblocking(True)

def serve(conn):
    time.sleep(delay)
    conn.sendall(b"s" * nbytes)
    while conn.recv(65536):
        pass
    conn.close()

for i in range(k4 + 1):  # the last one is the client's non-blocking connect
    if i % 2:  # accept(fd, NULL, NULL): the peer comes from the new socket
        fd = libc.accept(l4.fileno(), None, None)
        if fd < 0:
            sys.exit(f"accept: errno {ctypes.get_errno()}")
        serve(socket.socket(fileno=fd))
    else:
        serve(l4.accept()[0])
for _ in range(k6):
    serve(l6.accept()[0])
print("done", flush=True)
"""

CLIENT = r"""
import ctypes, json, select, socket, sys
ctypes.CDLL(None).prctl(15, b"pbcli2", 0, 0, 0)
port4, port6, closed, k4, k6, nbytes = map(int, sys.argv[1:7])
sys.stdin.readline()

def session(s):
    got = 0
    while got < nbytes:
        got += len(s.recv(65536))
    s.close()

ports = {"v4": [], "v6": []}
try:
    socket.create_connection(("127.0.0.1", closed))
    sys.exit("connect to a closed port succeeded")
except ConnectionRefusedError:
    pass
for _ in range(k4):
    s = socket.create_connection(("127.0.0.1", port4))
    ports["v4"].append(s.getsockname()[1])
    session(s)
s = socket.socket()
s.setblocking(False)
rc = s.connect_ex(("127.0.0.1", port4))
if rc != 115:
    sys.exit(f"non-blocking connect: {rc}")
select.select([], [s], [], 5)
s.setblocking(True)
ports["nb"] = s.getsockname()[1]
session(s)
for _ in range(k6):
    s = socket.create_connection(("::1", port6))
    ports["v6"].append(s.getsockname()[1])
    session(s)
print(json.dumps(ports), flush=True)
"""

# Elsewhere: one session in another netns, which the --netns filter must keep out.
OTHER = r"""
import socket
l = socket.socket(); l.bind(("127.0.0.1", 5301)); l.listen(1)
c = socket.create_connection(("127.0.0.1", 5301)); a, _ = l.accept()
a.sendall(b"x"); c.recv(1); c.close(); a.close()
"""

# The book's soconnect.bt, soaccept.bt and so1stbyte.bt logic on the same tracepoints,
# for the test's two processes only.
BPFTRACE = r"""
BEGIN { printf("ready\n"); }
tracepoint:syscalls:sys_enter_connect /pid == $1 || pid == $2/ {
  @sa[tid] = args->uservaddr; @cfd[tid] = args->fd; @start[tid] = nsecs;
}
tracepoint:syscalls:sys_exit_connect /@start[tid]/ {
  $s = (struct sockaddr_in *)@sa[tid];
  printf("connect %d %d %d %d\n", pid, $s->sin_family, ($s->sin_port >> 8) | (($s->sin_port << 8) & 0xff00), args->ret);
  if (args->ret == 0 || args->ret == -115) { @conn[pid, @cfd[tid]] = @start[tid]; }
  delete(@sa[tid]); delete(@cfd[tid]); delete(@start[tid]);
}
tracepoint:syscalls:sys_enter_accept, tracepoint:syscalls:sys_enter_accept4 /pid == $1 || pid == $2/ { @acc[tid] = 1; }
tracepoint:syscalls:sys_exit_accept, tracepoint:syscalls:sys_exit_accept4 /@acc[tid]/ {
  printf("accept %d %d\n", pid, args->ret > 0 ? 0 : args->ret); delete(@acc[tid]);
}
tracepoint:syscalls:sys_enter_recvfrom /@conn[pid, args->fd]/ { @rfd[tid] = args->fd; }
tracepoint:syscalls:sys_exit_recvfrom /@rfd[tid]/ {
  if (args->ret > 0) {
    printf("firstbyte %d %d\n", pid, (nsecs - @conn[pid, @rfd[tid]]) / 1000); delete(@conn[pid, @rfd[tid]]);
  }
  delete(@rfd[tid]);
}
tracepoint:syscalls:sys_enter_close /@conn[pid, args->fd]/ { delete(@conn[pid, args->fd]); }
END { clear(@conn); clear(@sa); clear(@cfd); clear(@start); clear(@acc); clear(@rfd); }
"""


def start_bpftrace(pids):
    proc = subprocess.Popen(["bpftrace", "-e", BPFTRACE, *map(str, pids)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # "Attaching N probes..." comes before the probes are attached; BEGIN runs after.
    lines = [proc.stdout.readline(), proc.stdout.readline()]
    if lines[-1].strip() != "ready":
        proc.kill()
        raise AssertionError(f"bpftrace did not start: {lines}{proc.stderr.read()}")
    return proc


def stop_bpftrace(proc):
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    rows = [line.split() for line in out.splitlines() if line.strip()]
    check(rows or proc.returncode == 0, f"bpftrace: exit {proc.returncode}\n{err}")
    return rows


def events(lines):
    return [x for x in lines if x["type"] == "event"]


def final(lines, tool):
    s = [x for x in lines if x["type"] == "summary"]
    check(s and s[-1]["final"], f"{tool}: no final summary")
    check(s[-1]["lost"] == 0, f"{tool}: lost events {s[-1]}")
    return s[-1]


def check_list():
    p = run(["probe", "--schema"], check_rc=0)
    check(json.loads(p.stdout) == SCHEMA,
          "reports/schema/tools.schema.json differs from `pathbench probe --schema`: regenerate it")
    entries = {e["name"]: e for e in json_lines(run(["probe", "--list", "--json"], check_rc=0).stdout, "--list")}
    for name in ("soconnect", "soaccept", "soconnlat", "so1stbyte"):
        check(name in entries and entries[name]["works"], f"{name} should work here: {entries.get(name)}")
    check([f["name"] for f in entries["soconnect"]["fields"]] ==
          ["pid", "process", "fam", "address", "port", "lat_us", "result"], entries["soconnect"]["fields"])
    check([f["name"] for f in entries["soaccept"]["fields"]] ==
          ["pid", "process", "fam", "address", "port", "result"], entries["soaccept"]["fields"])
    check("--lport" not in entries["soconnect"]["options"] and "--lport" in entries["soaccept"]["options"],
          "soconnect has no local port to filter on; soaccept has the listener's")
    p = run(["probe", "soconnect", "--lport", "80"])
    check(p.returncode == 2 and "--lport" in p.stderr, f"soconnect --lport: exit {p.returncode} {p.stderr}")
    p = run(["probe", "so1stbyte", "--rport", "0x50"])
    check(p.returncode == 2 and "--rport" in p.stderr, f"so1stbyte --rport 0x50: exit {p.returncode} {p.stderr}")


def check_sessions(tmp):
    ns, other = Netns("sock2"), Netns("sock2-other")
    procs, tools, bt = [], {}, None
    try:
        server = subprocess.Popen(ns.cmd(sys.executable, "-c", SERVER, str(PORT4), str(PORT6), str(K4), str(K6),
                                         str(DELAY), str(NBYTES)), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(server)
        check(server.stdout.readline().strip() == "ready", "server did not start")
        client = subprocess.Popen(ns.cmd(sys.executable, "-c", CLIENT, str(PORT4), str(PORT6), str(CLOSED), str(K4),
                                         str(K6), str(NBYTES)), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(client)
        n = ["--netns", ns.name]
        tools = {
            "soconnect": Tool(["soconnect", *n, "--json"], tmp),
            "soconnect-text": Tool(["soconnect", *n, "--pid", str(client.pid)], tmp),
            "soconnect-refused": Tool(["soconnect", *n, "--rport", str(CLOSED), "--json"], tmp),
            "soaccept": Tool(["soaccept", *n, "--json"], tmp),
            "soaccept-v6": Tool(["soaccept", *n, "--lport", str(PORT6), "--comm", "pbsrv2", "--json"], tmp),
            "soconnlat": Tool(["soconnlat", *n, "--json"], tmp),
            "soconnlat-raw_tp": Tool(["soconnlat", *n, "--json", "--hook-flavour", "raw_tp"], tmp),
            "soconnlat-tracepoint": Tool(["soconnlat", *n, "--json", "--hook-flavour", "tracepoint"], tmp),
            "so1stbyte": Tool(["so1stbyte", *n, "--json", "--interval", "0.5"], tmp),
            "so1stbyte-text": Tool(["so1stbyte", *n, "--comm", "pbcli2", "--log2"], tmp),
        }
        bt = start_bpftrace([client.pid, server.pid])
        server.stdin.write("go\n")
        server.stdin.flush()
        out, _ = client.communicate("go\n", timeout=30)
        ports = json.loads(out)
        check(server.stdout.readline().strip() == "done" and server.wait(timeout=30) == 0 and client.returncode == 0,
              "client/server failed")
        subprocess.run(other.cmd(sys.executable, "-c", OTHER), check=True, timeout=30)
        time.sleep(0.6)  # an so1stbyte interval summary
        got = {name: t.finish(signal.SIGINT) for name, t in tools.items()}
        errs = {name: t.err for name, t in tools.items()}
        tools = {}
        bt_rows = stop_bpftrace(bt)
        bt = None
    finally:
        for t in tools.values():
            if t.proc.poll() is None:
                t.proc.kill()
        if bt and bt.poll() is None:
            bt.kill()
        for p in procs:
            if p.poll() is None:
                p.kill()
        ns.close()
        other.close()
    lines = {name: json_lines(text, name) for name, text in got.items() if "text" not in name}
    results = []

    # soconnect: the refused connect, K4 IPv4 sessions, the non-blocking one, K6 IPv6 sessions.
    ev = events(lines["soconnect"])
    want = ([(2, "127.0.0.1", CLOSED, "Connect refused")] + [(2, "127.0.0.1", PORT4, "Success")] * K4 +
            [(2, "127.0.0.1", PORT4, "In progress")] + [(10, "::1", PORT6, "Success")] * K6)
    check([(e["fam"], e["address"], e["port"], e["result"]) for e in ev] == want, f"soconnect events: {ev}")
    check(all(e["pid"] == client.pid and e["process"] == "pbcli2" for e in ev), f"soconnect pids: {ev}")
    f = final(lines["soconnect"], "soconnect")
    check(f["histograms"]["latency"]["count"] == len(want) and
          {r["result"]: r["count"] for r in f["rows"]} == {"Connect refused": 1, "Success": K4 + K6, "In progress": 1},
          f"soconnect summary: {f}")
    bt_connects = [(int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in bt_rows if r[0] == "connect"]
    ret = {"Success": 0, "Connect refused": -111, "In progress": -115}
    check(bt_connects == [(e["pid"], e["fam"], e["port"], ret[e["result"]]) for e in ev],
          f"bpftrace saw connects {bt_connects}, soconnect {ev}")
    refused = events(lines["soconnect-refused"])
    check(len(refused) == 1 and refused[0]["port"] == CLOSED, f"--rport {CLOSED}: {refused}")
    rows = [line.split() for line in got["soconnect-text"].splitlines() if line.strip()]
    check(rows[0] == ["PID", "PROCESS", "FAM", "ADDRESS", "PORT", "LAT_US", "RESULT"], f"header: {rows[0]}")
    data = [r for r in rows[1:] if r[0].isdigit()]
    check(len(data) == len(want) and all(int(r[0]) == client.pid and r[1] == "pbcli2" for r in data),
          f"--pid {client.pid}: {data}")
    check([" ".join(r[6:]) for r in data] == [w[3] for w in want] and [int(r[4]) for r in data] == [w[2] for w in want],
          f"text results: {data}")
    results.append(f"soconnect: {len(ev)} connects = bpftrace's {len(bt_connects)}, results {[e['result'] for e in ev]}")

    # soaccept: EAGAIN, K4 + 1 IPv4 peers (every other one through accept(fd, NULL, NULL)), K6 IPv6 peers.
    ev = events(lines["soaccept"])
    want = ([(2, None, None, "EAGAIN")] + [(2, "127.0.0.1", p, "Success") for p in ports["v4"] + [ports["nb"]]] +
            [(10, "::1", p, "Success") for p in ports["v6"]])
    check([(e["fam"], e["address"], e["port"], e["result"]) for e in ev] == want, f"soaccept events {ev}, want {want}")
    check(all(e["pid"] == server.pid and e["process"] == "pbsrv2" for e in ev), f"soaccept pids: {ev}")
    f = final(lines["soaccept"], "soaccept")
    check({r["result"]: r["count"] for r in f["rows"]} == {"EAGAIN": 1, "Success": K4 + K6 + 1}, f"soaccept summary {f}")
    bt_accepts = [(int(r[1]), int(r[2])) for r in bt_rows if r[0] == "accept"]
    check(bt_accepts == [(server.pid, -11)] + [(server.pid, 0)] * (K4 + K6 + 1),
          f"bpftrace saw accepts {bt_accepts}")
    v6 = events(lines["soaccept-v6"])
    check([e["port"] for e in v6] == ports["v6"] and all(e["fam"] == 10 for e in v6), f"--lport {PORT6}: {v6}")
    results.append(f"soaccept: {len(ev)} accepts = bpftrace's {len(bt_accepts)} (1 EAGAIN), peers {[e['port'] for e in ev[1:]]}")

    # soconnlat: every connect timed once as the syscall (the non-blocking one to its select)
    # and once as the handshake; the refused one is the error of each.
    n_connects = K4 + K6 + 2
    for name in ("soconnlat", "soconnlat-raw_tp", "soconnlat-tracepoint"):
        f = final(lines[name], name)
        h = f["histograms"]
        check(h["connect"]["count"] == n_connects and h["handshake"]["count"] == n_connects,
              f"{name}: connect/handshake counts {h['connect']['count']}/{h['handshake']['count']}, expected {n_connects}")
        rows = {(r["measure"], r["comm"]): r for r in f["rows"]}
        check(set(rows) == {("connect", "pbcli2"), ("handshake", "pbcli2")} and
              all(r["count"] == n_connects and r["errors"] == 1 for r in rows.values()), f"{name} rows: {f['rows']}")
        check(any("1 connect times are EINPROGRESS" in note for note in f["notes"]), f"{name} notes: {f['notes']}")
        flavour = name.split("-")[1] if "-" in name else "tp_btf"
        hook = {"tracepoint": "tracepoint/sock"}.get(flavour, flavour) + "/inet_sock_set_state"
        check(hook in errs[name], f"{name} should trace {hook}: {errs[name]}")
    results.append(f"soconnlat: {n_connects} connects timed as syscall and as handshake (tp_btf, raw_tp, tracepoint)")

    # so1stbyte: one per session, each at least the server's delay after its connect.
    n_sessions = K4 + K6 + 1
    f = final(lines["so1stbyte"], "so1stbyte")
    h = f["histograms"]["first_byte"]
    check(h["count"] == n_sessions and h["min"] >= DELAY * 1e6, f"so1stbyte: {h}")
    check([(r["comm"], r["count"]) for r in f["rows"]] == [("pbcli2", n_sessions)], f"so1stbyte rows {f['rows']}")
    intervals = [s for s in lines["so1stbyte"] if s["type"] == "summary" and not s["final"]]
    check(intervals and sum(s["histograms"]["first_byte"]["count"] for s in intervals) <= n_sessions, "interval summaries")
    bt_first = [int(r[2]) for r in bt_rows if r[0] == "firstbyte"]
    check(len(bt_first) == n_sessions and min(bt_first) >= DELAY * 1e6, f"bpftrace first bytes {bt_first}")
    text = got["so1stbyte-text"]
    log2_rows = [line.split() for line in text.splitlines() if line.startswith("[")]
    check(f"first_byte (us): count {n_sessions}," in text and sum(int(r[2]) for r in log2_rows) == n_sessions and
          all(r[0].endswith("K,") for r in log2_rows), f"--log2 rows: {text}")
    results.append(f"so1stbyte: {h['count']} sessions = bpftrace's {len(bt_first)}, min {h['min']} us >= {DELAY * 1e6:.0f}")
    return results


check_list()
with tempfile.TemporaryDirectory() as tmp:
    for line in check_sessions(tmp):
        print(line)
check(not leftover_netns(), f"netns left behind: {leftover_netns()}")
assert_clean_host()
print("PASS")
