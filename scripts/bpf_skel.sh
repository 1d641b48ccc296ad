#!/bin/sh
# One BPF family through the pipeline: clang -target bpf -> bpftool gen object (links,
# strips DWARF) -> bpftool gen skeleton. Used by meson; usable by hand:
#   scripts/bpf_skel.sh CLANG BPFTOOL SRC.bpf.c OUT.skel.h DEPFILE [-I DIR ...]
set -eu
clang=$1 bpftool=$2 src=$3 skel=$4 dep=$5
shift 5
name=$(basename "$src" .bpf.c)
tmp=${skel%.skel.h}.tmp.bpf.o
obj=${skel%.skel.h}.bpf.o
"$clang" -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall "$@" -MD -MF "$dep" -MT "$skel" -c "$src" -o "$tmp"
"$bpftool" gen object "$obj" "$tmp"
"$bpftool" gen skeleton "$obj" name "${name}_bpf" > "$skel.tmp"
mv "$skel.tmp" "$skel"
rm -f "$tmp"
