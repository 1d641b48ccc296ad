"""Shared helpers for pathbench's python tests: run the binary, validate reports, check
that nothing stays on the host."""
import json
import os
import subprocess
import sys

PATHBENCH = os.environ.get("PATHBENCH", "build/bench/cli/pathbench")
SCHEMA = os.environ.get("PB_SCHEMA", "reports/schema/report.schema.json")
SKIP = 77


def require_root():
    if os.geteuid() != 0:
        print("SKIP: needs root (network namespaces, veth, BPF)")
        sys.exit(SKIP)


def run(args, timeout=300, check_rc=None):
    p = subprocess.run([PATHBENCH, *args], capture_output=True, text=True, timeout=timeout)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError(f"pathbench {' '.join(args)}: exit {p.returncode}, expected {check_rc}\n"
                             f"stdout:\n{p.stdout[-4000:]}\nstderr:\n{p.stderr[-4000:]}")
    return p


def validate(report):
    import jsonschema
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.validate(report, schema)


def pb_netns():
    try:
        return sorted(n for n in os.listdir("/run/netns") if n.startswith("pb-"))
    except FileNotFoundError:
        return []


def state_files():
    try:
        return sorted(os.listdir("/run/pathbench"))
    except FileNotFoundError:
        return []


def _live_run(run):
    """Whether run `run` belongs to a pathbench process still alive (someone else's
    concurrent run: not a leftover of ours)."""
    try:
        with open(f"/run/pathbench/{run}.json") as f:
            pid = json.load(f).get("pid", 0)
        os.kill(pid, 0)
        return pid != os.getpid()
    except (OSError, ValueError):
        return False


def leftovers():
    ns = [n for n in pb_netns() if not _live_run(n.split("-")[1])]
    files = [f for f in state_files() if f.endswith(".json") and not _live_run(f[:-5])]
    return ns, files


RCU_EXPEDITED = "/sys/kernel/rcu_expedited"


def _rcu_expedited():
    try:
        with open(RCU_EXPEDITED) as f:
            return f.read().strip()
    except OSError:
        return None


# The host's value before this test ran pathbench, when no run (of a concurrent test) held
# it changed: runs set it while xdp-live or probe windows are active, and must restore it.
_RCU_BEFORE = _rcu_expedited() if not state_files() else None


def assert_clean_host():
    ns, files = leftovers()
    assert ns == [], f"pb-* namespaces left behind: {ns}"
    assert files == [], f"state files left: {files}"
    if _RCU_BEFORE is not None and not state_files():
        now = _rcu_expedited()
        assert now == _RCU_BEFORE, f"{RCU_EXPEDITED} is {now}, was {_RCU_BEFORE} before the test"


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
