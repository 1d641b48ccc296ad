#!/usr/bin/python3
"""compare on a real report: a short kernel-udp run compared with itself gates nothing,
every verdict `same`, in every format."""
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import assert_clean_host, check, require_root, run  # noqa: E402

require_root()
assert_clean_host()
with tempfile.TemporaryDirectory() as tmp:
    a = os.path.join(tmp, "A.json")
    run(["run", "--path", "kernel-udp", "--rate", "20000", "--duration", "1", "-o", a], check_rc=0)
    p = run(["compare", a, a, "--format", "json"], check_rc=0)
    doc = json.loads(p.stdout)
    check(doc["rows"], "no rows")
    compared = [r for r in doc["rows"] if r["metric"] not in ("status", "configuration")]
    check(compared, "no metric compared")
    bad = [(r["scenario"], r["metric"], r["verdict"]) for r in doc["rows"] if r["verdict"] != "same"
           and not (r["verdict"] == "skipped" and r["metric"] == "status")]
    check(bad == [], f"verdicts other than same: {bad}")
    check(not doc["regression"] and doc["warnings"] == [], f"gate {doc['regression']}, warnings {doc['warnings']}")
    run(["compare", a, a], check_rc=0)
    root = ET.fromstring(run(["compare", a, a, "--format", "junit"], check_rc=0).stdout)
    check(root.get("failures") == "0" and root.get("errors") == "0" and int(root.get("tests")) >= 1,
          f"junit counts {root.attrib}")
    run(["compare", a, a, "--format", "md"], check_rc=0)
assert_clean_host()
print("ok")
