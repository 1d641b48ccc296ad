#!/usr/bin/python3
"""Two runs at once on one host must not hurt each other or the host. Host-wide knobs are
shared: /sys/kernel/rcu_expedited (which runs set for probe windows and xdp-live) goes back
to the host's value whichever run ends first (run A starts first and ends first: before the
shared ledger, B recorded A's 1 as the original and restored it last), and
net.core.rps_sock_flow_entries wanted at two different values at once is refused for the
second run with a message naming the knob, its value and the holder, while the first goes
on. Afterwards: no pb-* netns, no state file, no ledger, both knobs at their values."""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import PATHBENCH, assert_clean_host, check, pb_netns, require_root, state_files  # noqa: E402

require_root()
assert_clean_host()

RCU = "/sys/kernel/rcu_expedited"
RFS = "/proc/sys/net/core/rps_sock_flow_entries"


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def start(out, *args):
    return subprocess.Popen([PATHBENCH, "run", "--path", "kernel-udp", "--rate", "20000", "-o", out, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for(path, value, timeout=20):
    """Until run A has set the knob."""
    end = time.time() + timeout
    while time.time() < end:
        if read(path) == value:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never became {value}: {read(path)}")


rcu0, rfs0 = read(RCU), read(RFS)
write(RCU, "0")
try:
    with tempfile.TemporaryDirectory() as tmp:
        # rcu_expedited: A first and short, B later and longer.
        a = start(os.path.join(tmp, "a.json"), "--duration", "1")
        wait_for(RCU, "1")
        b = start(os.path.join(tmp, "b.json"), "--duration", "2")
        for name, p in (("A", a), ("B", b)):
            _, err = p.communicate(timeout=120)
            check(p.returncode == 0, f"run {name}: exit {p.returncode}\n{err[-2000:]}")
        for name in ("a", "b"):
            with open(os.path.join(tmp, f"{name}.json")) as f:
                sc = json.load(f)["scenarios"]
            check(sc and all(s["status"] == "ok" for s in sc), f"run {name}: {[(s['name'], s['status'], s.get('reason')) for s in sc]}")
        check(read(RCU) == "0", f"{RCU} is {read(RCU)} after two overlapping runs, was 0")
        check(not state_files(), f"left in /run/pathbench: {state_files()}")

        # rps_sock_flow_entries: 4096 held by A, B wants 8192 at the same time.
        a = start(os.path.join(tmp, "c.json"), "--duration", "2", "--rfs-entries", "4096", "--rps-cpus", "1")
        wait_for(RFS, "4096")
        b = start(os.path.join(tmp, "d.json"), "--duration", "1", "--rfs-entries", "8192", "--rps-cpus", "1")
        _, err_b = b.communicate(timeout=120)
        _, err_a = a.communicate(timeout=120)
        check(a.returncode == 0, f"run A: exit {a.returncode}\n{err_a[-2000:]}")
        with open(os.path.join(tmp, "c.json")) as f:
            sc_a = json.load(f)["scenarios"]
        with open(os.path.join(tmp, "d.json")) as f:
            sc_b = json.load(f)["scenarios"]
        check(sc_a[0]["status"] == "ok", f"run A: {sc_a[0]['status']} {sc_a[0].get('reason')}")
        reason = sc_b[0].get("reason") or ""
        check(sc_b[0]["status"] == "error" and "rps_sock_flow_entries is held at 4096 by the live run" in reason
              and "needs 8192" in reason, f"run B should be refused naming the knob: {sc_b[0]['status']} {reason!r}")
        check(read(RFS) == rfs0, f"{RFS} is {read(RFS)} after the runs, was {rfs0}")
        check(not state_files() and not pb_netns(), f"left: {state_files()} {pb_netns()}")

        # `cleanup` while a run is live leaves its hold alone; after a SIGKILL it releases it.
        a = start(os.path.join(tmp, "e.json"), "--duration", "3")
        wait_for(RCU, "1")
        live = subprocess.run([PATHBENCH, "cleanup", "--json"], capture_output=True, text=True, timeout=60)
        check(live.returncode == 0 and read(RCU) == "1" and pb_netns(),
              f"cleanup during a live run touched it: rcu {read(RCU)}, netns {pb_netns()}, {live.stdout}")
        a.kill()
        a.wait()
        dead = subprocess.run([PATHBENCH, "cleanup", "--json"], capture_output=True, text=True, timeout=60)
        removed = json.loads(dead.stdout)["removed"]
        check(read(RCU) == "0" and f"restored {RCU} to 0" in removed, f"after SIGKILL + cleanup: rcu {read(RCU)}, {removed}")
        check(not state_files() and not pb_netns(), f"left after cleanup: {state_files()} {pb_netns()}")
finally:
    write(RCU, rcu0)
    write(RFS, rfs0)
assert_clean_host()
print(f"PASS: {RCU} back at 0 after overlapping runs (A ended first); B refused: {reason}")
