#!/usr/bin/python3
"""`report --format html` in a real browser: the golden report and a short real kernel-udp run
rendered, opened in headless Chromium (Debian's `chromium`, installed by scripts/deps.sh), the
screenshot decoded (not blank: several colours, not all white) and the DOM Chromium built
checked for the titles and the SVG plots with their axis labels. The screenshots stay in
/tmp/pathbench-html-test/ (paths printed), the real run's also at /tmp/pathbench-report.png."""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from pbtest import SKIP, assert_clean_host, check, run  # noqa: E402

ROOT = os.environ.get("PB_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(ROOT, "tests", "golden", "report_v1.json")
OUT_DIR = "/tmp/pathbench-html-test"
SHOT = "/tmp/pathbench-report.png"

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    print("SKIP: no chromium binary (scripts/deps.sh installs Debian's chromium package)")
    sys.exit(SKIP)


def chromium(args, profile):
    # A profile of its own: a concurrent chromium must not share (or lock) ours.
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
           f"--user-data-dir={profile}", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    check(p.returncode == 0, f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr[-2000:]}")
    return p.stdout


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    w, h, depth, ctype, _, _, interlace = ihdr
    check(depth == 8 and ctype in (2, 6) and interlace == 0, f"{path}: unexpected PNG format {ihdr}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ft == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ft == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif ft == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ft == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def check_screenshot(path):
    w, h, bpp, rows = png_pixels(path)
    check((w, h) == (1280, 2400), f"{path}: {w}x{h}, expected the 1280x2400 window")
    colours, white, total = set(), 0, 0
    for line in rows[::4]:
        for x in range(0, w * bpp, 4 * bpp):
            px = bytes(line[x:x + 3])
            colours.add(px)
            white += px == b"\xff\xff\xff"
            total += 1
    print(f"{path}: {len(colours)} distinct colours, {100 * (total - white) / total:.1f} % not white")
    check(len(colours) >= 8, f"{path}: only {len(colours)} colours: blank?")
    check(white < total * 0.98, f"{path}: {white} of {total} sampled pixels white: blank?")


def check_dom(dom, report, where):
    check("<h1>pathbench report</h1>" in dom, f"{where}: no h1")
    check("<h2 id=\"summary\">Summary</h2>" in dom, f"{where}: no summary")
    for sc in report["scenarios"]:
        name = sc["name"].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        check(f">{name}</h2>" in dom, f"{where}: no h2 for {sc['name']}")
    ok = [sc for sc in report["scenarios"] if sc["status"] == "ok"]
    want = {"<h3>Latency CDF</h3>": any(sc.get("latency", {}).get("count") for sc in ok),
            "<h3>Drop ledger</h3>": any("drops" in sc for sc in ok),
            "<h3>Per-stage latency (p50 / p99)</h3>": any(
                any("count" in st and st["count"] for st in sc.get("stages", {}).values()) for sc in ok),
            "<h3>Spread: packets per RX queue</h3>": any(sc.get("spread", {}).get("per_rx_queue") for sc in ok)}
    for title, expected in want.items():
        if expected:
            check(title in dom, f"{where}: no {title}")
    for label in ("latency (µs)", "fraction of packets (%)", "packets"):
        check(f">{label}</text>" in dom, f"{where}: no axis label {label!r}")
    svgs = dom.count("<svg class=\"plot\"")
    check(svgs >= 2 * len(ok), f"{where}: {svgs} svg plots for {len(ok)} ok scenarios")
    for bad in ("http://", "https://", "<script"):
        check(bad not in dom, f"{where}: {bad} in the page")
    return svgs


def render_and_look(report_path, name, tmp):
    html = os.path.join(tmp, name + ".html")
    run(["report", report_path, "--format", "html", "-o", html], check_rc=0)
    png = os.path.join(OUT_DIR, name + ".png")
    if os.path.exists(png):
        os.unlink(png)
    t0 = time.monotonic()
    chromium([f"--screenshot={png}", "--window-size=1280,2400", "file://" + html], os.path.join(tmp, "profile-" + name))
    dom = chromium(["--dump-dom", "file://" + html], os.path.join(tmp, "profile-" + name))
    print(f"{name}: chromium {time.monotonic() - t0:.1f} s; screenshot {png}")
    check(os.path.getsize(png) > 0, f"{png}: empty")
    with open(report_path) as f:
        report = json.load(f)
    svgs = check_dom(dom, report, name)
    check_screenshot(png)
    print(f"{name}: {svgs} svg plots in the DOM")
    return png


START = time.monotonic()
os.makedirs(OUT_DIR, exist_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    golden_png = render_and_look(GOLDEN, "golden", tmp)
    if os.geteuid() != 0:
        shutil.copyfile(golden_png, SHOT)
        print(f"SKIP: the real run needs root (network namespaces, BPF); golden checked, screenshot {SHOT}")
        sys.exit(SKIP)
    assert_clean_host()
    r = os.path.join(tmp, "r.json")
    run(["run", "--path", "kernel-udp", "--rate", "20000", "--duration", "1", "--probes", "default", "-o", r],
        check_rc=0, timeout=120)
    assert_clean_host()
    run_png = render_and_look(r, "run", tmp)
    shutil.copyfile(run_png, SHOT)
    print(f"screenshot for a person to look at: {SHOT}")
    print(f"took {time.monotonic() - START:.1f} s")
print("PASS")
