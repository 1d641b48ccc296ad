#!/usr/bin/python3
"""Interrupted runs: SIGTERM ends the run with exit 130, a report of what finished and a
clean host; a second SIGINT exits at once; after SIGKILL, `pathbench cleanup` removes what
the run left."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import PATHBENCH, assert_clean_host, check, pb_netns, require_root, run  # noqa: E402

require_root()
assert_clean_host()


def start(out):
    return subprocess.Popen([PATHBENCH, "run", "--rate", "10000", "--duration", "20", "-o", out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_netns(proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if len(pb_netns()) >= 2:
            return
        if proc.poll() is not None:
            raise AssertionError(f"run ended early: {proc.communicate()}")
        time.sleep(0.05)
    raise AssertionError("run never created its namespaces")


with tempfile.TemporaryDirectory() as tmp:
    # SIGTERM: orderly stop.
    out = os.path.join(tmp, "term.json")
    p = start(out)
    wait_for_netns(p)
    time.sleep(1.5)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    check(p.returncode == 130, f"SIGTERM: exit {p.returncode}, expected 130\n{err[-2000:]}")
    with open(out) as f:
        report = json.load(f)
    check(report["scenarios"], "SIGTERM: the report should hold the interrupted scenario")
    assert_clean_host()

    # Under timeout(1), as CI jobs run it: it sends SIGTERM to pathbench and again to its
    # process group (seen under meson test: the second forced an exit and left the netns),
    # which is one request: the run ends in order, the report holds the interrupted
    # scenario and everything is undone (no cleanup call here).
    out = os.path.join(tmp, "timeout.json")
    p = subprocess.run(["timeout", "-s", "TERM", "2.5", PATHBENCH, "run", "--rate", "10000", "--duration", "20",
                        "-o", out], capture_output=True, text=True, timeout=30)
    check(p.returncode == 124 and "second signal" not in p.stderr,
          f"timeout(1): exit {p.returncode} (expected 124), the doubled SIGTERM must be one request\n{p.stderr[-2000:]}")
    with open(out) as f:
        check(json.load(f)["scenarios"], "timeout(1): the report should hold the interrupted scenario")
    assert_clean_host()

    # Two SIGINTs: the second (later than 100 ms: not the same request twice) exits at once,
    # whatever the first had started (the run's teardown takes about 0.4 s here).
    p = start(os.path.join(tmp, "int.json"))
    wait_for_netns(p)
    p.send_signal(signal.SIGINT)
    time.sleep(0.15)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=10)
    check(p.returncode == 130, f"second SIGINT: exit {p.returncode}, expected 130\n{err[-2000:]}")
    check("second signal, exiting now" in err, f"second SIGINT: no message on stderr\n{err[-2000:]}")
    run(["cleanup"], check_rc=0)
    assert_clean_host()

    # SIGKILL: nothing runs in the process any more; cleanup must undo it.
    p = start(os.path.join(tmp, "kill.json"))
    wait_for_netns(p)
    p.kill()
    p.wait()
    left = pb_netns()
    check(left, "SIGKILL should leave the namespaces for cleanup to find")
    r = run(["cleanup", "--json"], check_rc=0)
    removed = json.loads(r.stdout)["removed"]
    for ns in left:
        check(f"netns {ns}" in removed, f"cleanup did not report {ns}: {removed}")
    assert_clean_host()
print("PASS")
