#!/usr/bin/python3
"""`pathbench compare` on crafted reports (no root): every format, the exit codes 0/1/2, and
errors that name the file and what is wrong."""
import copy
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from pbtest import check, run  # noqa: E402

ROOT = os.environ.get("PB_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "golden", "report_v1.json")
SCHEMA = os.environ.get("PB_COMPARE_SCHEMA", os.path.join(ROOT, "reports", "schema", "compare.schema.json"))
UDP = "kernel-udp/rate=max"

with open(GOLDEN) as f:
    golden = json.load(f)


def median(v):
    s = sorted(v)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def stats(values):
    m = median(values)
    return {"values": values, "median": m, "min": min(values), "max": max(values),
            "mad": median([abs(x - m) for x in values])}


def crafted(rx_values):
    """The golden report with its kernel-udp scenario repeated len(rx_values) times."""
    r = copy.deepcopy(golden)
    sc = next(s for s in r["scenarios"] if s["name"] == UDP)
    sc["repetitions"] = {"count": len(rx_values), "representative": 0, "primary": "throughput.rx_pps",
                         "metrics": {"throughput.rx_pps": stats(rx_values),
                                     "throughput.loss_ratio": stats([0.01] * len(rx_values))}}
    sc["throughput"]["rx_pps"] = median(rx_values)
    return r


BASE_RX = [1000000, 1012000, 995000, 1008000, 990000]


def scaled(factor):
    return [v * factor for v in BASE_RX]


def write(tmp, name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def expect_exit(args, code, *needles):
    p = run(args)
    check(p.returncode == code, f"{args}: exit {p.returncode}, expected {code}\nstdout:\n{p.stdout[-2000:]}\nstderr:\n{p.stderr}")
    for n in needles:
        check(n in p.stderr, f"{args}: error does not name {n!r}: {p.stderr!r}")
    return p


def validate(doc):
    import jsonschema
    with open(SCHEMA) as f:
        jsonschema.validate(doc, json.load(f))


with tempfile.TemporaryDirectory() as tmp:
    base = write(tmp, "base.json", crafted(BASE_RX))
    worse = write(tmp, "worse.json", crafted(scaled(0.7)))
    better = write(tmp, "better.json", crafted(scaled(1.3)))
    same = write(tmp, "same.json", crafted(scaled(1.01)))

    # Exit codes: improvement and same 0, regression 1.
    expect_exit(["compare", base, better], 0)
    expect_exit(["compare", base, same], 0)
    p = expect_exit(["compare", base, worse], 1)
    check("regression" in p.stdout and "gate: FAIL" in p.stdout, f"text output:\n{p.stdout}")
    check("\033[" not in p.stdout, "colours in text output to a pipe")

    # JSON: valid against the schema, the row says what happened.
    p = expect_exit(["compare", base, worse, "--format", "json"], 1)
    doc = json.loads(p.stdout)
    validate(doc)
    row = next(r for r in doc["rows"] if r["scenario"] == UDP and r["metric"] == "throughput.rx_pps")
    check(row["verdict"] == "regression" and row["confirmed"] and abs(row["p_value"] - 2 / 252) < 1e-9,
          f"rx_pps row: {row}")
    check(doc["regression"] is True and doc["regressions"] == 1, f"gate: {doc['regression']} {doc['regressions']}")
    p = expect_exit(["compare", base, better, "--format", "json"], 0)
    doc = json.loads(p.stdout)
    validate(doc)
    check(doc["improvements"] == 1 and not doc["regression"], "improvement not counted")

    # JUnit: one testcase per scenario x gated metric, the regression a failure.
    p = expect_exit(["compare", base, worse, "--format", "junit"], 1)
    root = ET.fromstring(p.stdout)
    check(root.tag == "testsuites", f"root {root.tag}")
    suites = root.findall("testsuite")
    check(len(suites) == 1, "one testsuite")
    cases = suites[0].findall("testcase")
    failures = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    # kernel-udp repeated with 2 metrics, 4 ok scenarios x 3 gated metrics (rx_pps, loss_ratio,
    # drops.unaccounted), the skipped xdp-drop.
    check(len(cases) == 15, f"{len(cases)} testcases")
    check(len(failures) == 1 and failures[0].get("name") == "throughput.rx_pps", f"failures: {[c.get('name') for c in failures]}")
    f = failures[0].find("failure")
    check(f.get("message") == f.text and "-30.0 %" in f.text, f"failure message/text: {f.attrib} {f.text}")
    check(failures[0].get("classname") == "pathbench." + UDP, failures[0].get("classname"))
    check(len(skipped) == 1, f"{len(skipped)} skipped")
    check(suites[0].get("tests") == "15" and suites[0].get("failures") == "1", f"counts {suites[0].attrib}")
    check(all(c.find("system-out") is not None for c in cases if c.find("skipped") is None), "system-out")
    keys = [(c.get("classname"), c.get("name")) for c in cases]
    check(len(keys) == len(set(keys)), "duplicate testcase")

    # Markdown: the table, the regression first, the rest collapsed.
    p = expect_exit(["compare", base, worse, "--format", "md"], 1)
    md = p.stdout
    check("| scenario | metric | base | new | change | p | n | verdict | note |" in md, md[:500])
    check(md.index("throughput.rx_pps") < md.index("<details>"), "regression not before <details>")
    check("</details>" in md and "FAIL" in md, "markdown details/headline")

    # -o: the output in the file, nothing on stdout.
    out = os.path.join(tmp, "out.xml")
    p = expect_exit(["compare", base, worse, "--format", "junit", "-o", out], 1)
    check(p.stdout == "", f"stdout with -o: {p.stdout!r}")
    ET.parse(out)

    # 1 vs 1: a regression, unconfirmed, still exit 1.
    one_base = copy.deepcopy(golden)
    one_new = copy.deepcopy(golden)
    next(s for s in one_new["scenarios"] if s["name"] == UDP)["throughput"]["rx_pps"] = 40000.0
    p = expect_exit(["compare", write(tmp, "one_base.json", one_base), write(tmp, "one_new.json", one_new)], 1)
    check("regression (unconfirmed)" in p.stdout and "noise not assessed: 1 vs 1 repetitions" in p.stdout, p.stdout)

    # Error in NEW: the gate fails.
    err = copy.deepcopy(golden)
    sc = next(s for s in err["scenarios"] if s["name"] == UDP)
    for k in list(sc):
        if k not in ("name", "path", "given"):
            del sc[k]
    sc["status"], sc["reason"] = "error", "sink: recvmmsg: Bad file descriptor"
    p = expect_exit(["compare", GOLDEN, write(tmp, "err.json", err), "--format", "json"], 1)
    doc = json.loads(p.stdout)
    validate(doc)
    check(any(r["verdict"] == "error" for r in doc["rows"]) and doc["errors"] > 0, "error row")

    # Bad input: exit 2, naming the file and what is wrong.
    text = json.dumps(golden)
    truncated = write(tmp, "truncated.json", text[: len(text) // 2])
    expect_exit(["compare", truncated, base], 2, "truncated.json", "not valid JSON")
    notjson = write(tmp, "notjson.json", "hello, world\n")
    expect_exit(["compare", base, notjson], 2, "notjson.json", "not valid JSON")
    notreport = write(tmp, "notreport.json", '{"benchmarks": []}')
    expect_exit(["compare", base, notreport], 2, "notreport.json", "schema_version")
    v2 = copy.deepcopy(golden)
    v2["schema_version"] = 2
    v2file = write(tmp, "v2.json", v2)
    expect_exit(["compare", base, v2file], 2, "v2.json", "schema_version 2")
    other = copy.deepcopy(golden)
    for s in other["scenarios"]:
        s["name"] += "-other"
    otherfile = write(tmp, "other.json", other)
    expect_exit(["compare", base, otherfile], 2, "base.json", "other.json", "no scenario in common")
    expect_exit(["compare", base, os.path.join(tmp, "absent.json")], 2, "absent.json", "cannot read")
    missing_field = copy.deepcopy(golden)
    del missing_field["scenarios"][0]["name"]
    expect_exit(["compare", base, write(tmp, "noname.json", missing_field)], 2, "noname.json", "scenarios[0].name")

    # Bad flag values name the flag.
    expect_exit(["compare", base, worse, "--threshold", "abc"], 2, "--threshold", "abc")
    expect_exit(["compare", base, worse, "--threshold", "-3"], 2, "--threshold")
    expect_exit(["compare", base, worse, "--alpha", "1.5"], 2, "--alpha", "1.5")
    expect_exit(["compare", base, worse, "--alpha", "0"], 2, "--alpha")
    expect_exit(["compare", base, worse, "--format", "xml"], 2, "--format", "xml")
    expect_exit(["compare", base], 2, "new")

    # A wide threshold turns the 30 % drop into "same"; "5%" is accepted like "5".
    expect_exit(["compare", base, worse, "--threshold", "40"], 0)
    expect_exit(["compare", base, worse, "--threshold", "5%"], 1)

print("ok")
