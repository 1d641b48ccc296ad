#!/usr/bin/env bash
# Installs every Debian 12 package pathbench needs to build, run and test (as root).
# Idempotent: skips apt entirely when everything is already there.
set -euo pipefail
pkgs=(
  meson ninja-build pkg-config g++ git        # build
  clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev  # BPF objects and skeletons
  libxdp-dev libdpdk-dev dpdk-dev             # XDP/AF_XDP and DPDK paths
  libmnl-dev libfmt-dev libcli11-dev nlohmann-json3-dev  # netlink, formatting, CLI, JSON
  libpcap-dev                                 # run --capture writes its pcap file with libpcap
  libgtest-dev libbenchmark-dev python3 python3-jsonschema  # tests and benchmarks
  iproute2 procps                             # ip, tc, pgrep: tests inspect netns, qdiscs, processes
  tcpdump bpftrace libbpf-tools ethtool iputils-ping  # the tool tests hold pathbench's output against these
  chromium                                    # headless: the HTML report's screenshot test (test_html)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "deps: need root to install: ${missing[*]}" >&2
    exit 4
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q "${missing[@]}" >&2
fi
