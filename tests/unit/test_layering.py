#!/usr/bin/python3
"""The dependency rules of the layout (README "Where things live"), checked on the sources
and on the unit test binaries:

- reports/model/ is the leaf: standard headers and itself only;
- bench/core includes no other bench/ folder, no kernel_probes/, xdp/, dpdk/;
- no file under bench/ outside bench/cli includes kernel_probes/, xdp/, dpdk/ or a libbpf,
  libxdp or DPDK header: only the CLI composes;
- reports/ includes bench/core at most; xdp/ and kernel_probes/ include no bench/ folder
  but core and traffic; dpdk/ includes bench/core only;
- the unit test binaries link no libbpf or libxdp (they run without root).

Usage: test_layering.py SOURCE_ROOT [UNIT_TEST_BINARY ...]
"""
import os
import re
import subprocess
import sys

root = sys.argv[1]
binaries = sys.argv[2:]
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
SOURCES = (".h", ".cpp", ".c")

# (folder, what it may not include: regexes over the include path, why)
RULES = [
    ("reports/model", [r"^(bench|kernel_probes|xdp|dpdk|reports/(?!model/))", r"^(nlohmann|fmt|bpf|xdp|rte_)"],
     "the model is plain structs every layer speaks"),
    ("bench/core", [r"^bench/(?!core/)", r"^(kernel_probes|xdp|dpdk)/", r"^(bpf|xdp)/", r"^rte_"],
     "core is what every other folder builds on"),
    ("bench/host", [r"^bench/(cli|paths|suite|traffic)/", r"^(kernel_probes|xdp|dpdk)/", r"^(bpf|xdp)/"],
     "only the CLI composes"),
    ("bench/traffic", [r"^bench/(cli|paths|suite|host)/", r"^(kernel_probes|xdp|dpdk)/", r"^(bpf|xdp)/"],
     "only the CLI composes"),
    ("bench/suite", [r"^bench/(?!core/|suite/)", r"^(kernel_probes|xdp|dpdk)/", r"^(bpf|xdp)/"],
     "only the CLI composes"),
    ("bench/search", [r"^bench/(?!core/|search/)", r"^reports/(?!model/)", r"^(kernel_probes|xdp|dpdk)/", r"^(bpf|xdp)/",
                      r"^rte_"], "the search is a pure library over a measure callback"),
    ("bench/paths", [r"^bench/cli/", r"^(kernel_probes|xdp|dpdk)/", r"^(bpf|xdp)/"],
     "paths see probes only through core::ProbeSession"),
    ("reports", [r"^bench/(?!core/)", r"^(kernel_probes|xdp|dpdk)/", r"^(bpf|xdp)/"],
     "reports render the model, they do not measure"),
    ("xdp", [r"^bench/(?!core/|traffic/)", r"^dpdk/"], "xdp links core and traffic, not the harness"),
    ("kernel_probes", [r"^bench/(?!core/)", r"^(xdp|dpdk)/"], "probe families know core only"),
    ("dpdk", [r"^bench/(?!core/|traffic/)", r"^(kernel_probes|xdp)/", r"^(bpf|xdp)/"],
     "the DPDK app links pb_wire, the receiver core and traffic"),
]

failures = []
checked = 0
for folder, banned, why in RULES:
    base = os.path.join(root, folder)
    nested = [r[0] for r in RULES if r[0] != folder and r[0].startswith(folder + "/")]
    for dirpath, _, files in os.walk(base):
        rel_dir = os.path.relpath(dirpath, root)
        if any(rel_dir == n or rel_dir.startswith(n + "/") for n in nested):
            continue  # a nested folder has its own rule
        for name in files:
            if not name.endswith(SOURCES):
                continue
            path = os.path.join(dirpath, name)
            with open(path, errors="replace") as f:
                text = f.read()
            checked += 1
            for inc in INCLUDE.findall(text):
                for pattern in banned:
                    if re.search(pattern, inc):
                        failures.append(f"{os.path.relpath(path, root)}: includes {inc} ({folder}: {why})")

if checked < 100:
    failures.append(f"only {checked} source files found under {root}: wrong SOURCE_ROOT?")

for exe in binaries:
    out = subprocess.run(["ldd", exe], capture_output=True, text=True)
    if out.returncode != 0:
        failures.append(f"ldd {exe}: {out.stderr.strip()}")
        continue
    for lib in ("libbpf", "libxdp"):
        if lib in out.stdout:
            failures.append(f"{os.path.basename(exe)} links {lib}: unit tests must run without BPF")

for f in failures:
    print("FAIL:", f)
print(f"{checked} source files, {len(binaries)} unit binaries, {len(failures)} violations")
sys.exit(1 if failures else 0)
