#!/usr/bin/env bash
# The README's first command: install, build, run the default suite on the veth topology,
# and print where the report is. Extra arguments go to `pathbench run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh
mkdir -p results
out=results/pathbench-$(date -u +%Y%m%dT%H%M%SZ).json
build/bench/cli/pathbench run -o "$out" "$@"
echo "report written to $(pwd)/$out"
