#!/usr/bin/env bash
# The README's second command: install, build, run every test suite, and end with one
# plain line "N passed, N failed, N skipped". Exit status 0 only when nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1
scripts/build.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
meson test -C build --print-errorlogs "$@"
rc=$?
/usr/bin/python3 - build/meson-logs/testlog.json "$rc" <<'PY'
import json, sys
passed = failed = skipped = 0
try:
    lines = open(sys.argv[1]).readlines()
except OSError:
    lines = []
if not lines and sys.argv[2] != "0":
    failed = 1  # meson test itself failed before running anything
for line in lines:
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1
    else: failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $rc
