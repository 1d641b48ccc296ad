#!/usr/bin/python3
"""Bad input: exit code 2, a message naming the flag or field, nothing left on the host."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from pbtest import check, pb_netns, run, state_files  # noqa: E402

before = (pb_netns(), state_files())


def expect_usage_error(args, *needles):
    p = run(args)
    check(p.returncode == 2, f"{args}: exit {p.returncode}, expected 2\n{p.stderr}")
    for n in needles:
        check(n in p.stderr, f"{args}: error does not name {n!r}: {p.stderr!r}")
    return p


expect_usage_error(["run", "--rate", "fast"], "--rate", "fast")
expect_usage_error(["run", "--path", "kernel-foo"], "path", "kernel-foo")
expect_usage_error(["run", "--frame-size", "12"], "frame_size")
expect_usage_error(["run", "--flows", "0"], "flows")
expect_usage_error(["run", "--duration", "-1"], "duration")
expect_usage_error(["run", "--no-such-flag"], "--no-such-flag")
expect_usage_error(["run", "--qdisc", "fq"], "--qdisc", "fq")
expect_usage_error(["run", "--rps-cpus", "zz"], "--rps-cpus", "zz")
expect_usage_error(["run", "--xps-cpus", "3g"], "--xps-cpus", "3g")
expect_usage_error(["run", "--rfs-entries", "-5"], "--rfs-entries")
expect_usage_error(["run", "--probe-window", "0/100"], "--probe-window", "0/100")
expect_usage_error(["run", "--probes", "default,nope"], "--probes", "nope")
expect_usage_error(["run", "--overhead-pairs", "2"], "--overhead-pairs")
expect_usage_error(["bogus-command"], "bogus-command")

with tempfile.TemporaryDirectory() as tmp:
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as f:
        f.write('{"scenarios": [{"path": "kernel-udp",}]}')
    expect_usage_error(["run", bad], "bad.json")
    unknown = os.path.join(tmp, "unknown.json")
    with open(unknown, "w") as f:
        f.write('{"scenarios": [{"path": "kernel-udp", "framesize": 64}]}')
    expect_usage_error(["run", unknown], "framesize")
    expect_usage_error(["run", os.path.join(tmp, "missing.json")], "missing.json")
    expect_usage_error(["report", bad], "bad.json")
    expect_usage_error(["report", os.path.join(tmp, "nothere.json")], "nothere.json")
    golden = os.path.join(os.environ.get("PB_SOURCE_ROOT", "."), "tests", "golden", "report_v1.json")
    expect_usage_error(["report", golden, "--format", "pdf"], "--format", "pdf")
    expect_usage_error(["report", golden, "--pivot", "rss"], "--pivot", "rss", "path, rate")
    expect_usage_error(["report", golden, "--pivot", "path,,rate"], "--pivot")
    # -o writes the rendering (atomically), stdout stays empty; --pivot with json: the table.
    md = os.path.join(tmp, "r.md")
    p = run(["report", golden, "--format", "md", "-o", md], check_rc=0)
    check(p.stdout == "" and open(md).read().startswith("# pathbench report\n"), f"report -o: {p.stdout!r}")
    p = run(["report", golden, "--format", "json", "--pivot", "path"], check_rc=0)
    check(json.loads(p.stdout)["keys"] == ["path"], f"--pivot json: {p.stdout[:200]}")

# --json: the error is one JSON document on stdout.
p = run(["run", "--rate", "fast", "--json"])
check(p.returncode == 2, f"--json error exit {p.returncode}")
doc = json.loads(p.stdout)
check("--rate" in doc["error"] and doc["exit_code"] == 2, f"--json error document: {doc}")

# --dry-run lists the default suite without touching the host.
p = run(["run", "--dry-run", "--json"], check_rc=0)
names = [s["name"] for s in json.loads(p.stdout)["scenarios"]]
paths = sorted({n.split("/")[0] for n in names})
check(len(names) == 14 and paths == ["afxdp", "dpdk", "kernel-udp", "xdp-drop", "xdp-pass", "xdp-tx"],
      f"default suite: {names}")

check((pb_netns(), state_files()) == before, "bad input changed the host")
print("PASS")
