#!/bin/sh
# Regenerates kernel_probes/vmlinux.h (x86_64) from the running kernel's BTF.
# CO-RE relocations make the checked-in copy work on other kernels; regenerate only to
# reach types or fields the checked-in copy lacks.
set -eu
out=${1:-$(dirname "$0")/vmlinux.h}
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(wc -l < "$out") lines, kernel $(uname -r))"
