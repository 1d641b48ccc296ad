#!/usr/bin/env bash
# Configures (once) and builds pathbench into ./build.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build/build.ninja ]] || meson setup build >&2
meson compile -C build >&2
