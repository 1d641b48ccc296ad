// What a host can do, as `pathbench env` finds by trying (and every report's context
// carries): kernel, BPF attach types, XDP modes, AF_XDP, DPDK, hugepages, CPUs, NICs.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "reports/model/values.h"

namespace pb::reports {

// One thing tried: it worked, or the errno name and the message of what refused it.
struct Feature {
  bool ok = false;
  Nullable<std::string> errno_name;  // "EPERM", ...
  Nullable<std::string> error;
  bool operator==(const Feature&) const = default;
};

// A part of the host as found, or why it could not be read.
template <typename T>
using Probed = std::variant<T, Feature>;

struct KernelFacts {
  std::string release;  // uname -r
  bool btf = false;     // /sys/kernel/btf/vmlinux readable
  bool operator==(const KernelFacts&) const = default;
};

// tracefs or bpffs: where it is mounted, and whether pathbench just mounted it.
struct Mount {
  bool ok = false;
  std::optional<std::string> path;
  std::optional<bool> mounted_now;
  Nullable<std::string> errno_name, error;
  bool operator==(const Mount&) const = default;
};

// Which BPF attach types load *and attach* here.
struct AttachTypes {
  Feature tracepoint, raw_tp, tp_btf, kprobe, fentry;
  bool operator==(const AttachTypes&) const = default;
};

struct XdpFeatures {
  Feature native, generic, test_run_live_frames;
  bool operator==(const XdpFeatures&) const = default;
};

struct DpdkFeatures {
  bool built = false;            // pathbench-dpdk was built
  Nullable<std::string> version; // the DPDK it was built with
  std::vector<std::string> pmds, pmd_dirs;
  bool operator==(const DpdkFeatures&) const = default;
};

struct Hugepages {
  Nullable<uint64_t> total, free, size_kb;
  bool operator==(const Hugepages&) const = default;
};

struct Cpus {
  int64_t online = 0;
  Nullable<std::string> model;
  bool operator==(const Cpus&) const = default;
};

struct Nic {
  std::string name;
  Nullable<std::string> driver;     // null: a virtual device
  Nullable<std::string> operstate;  // null when sysfs could not be read
  std::optional<uint64_t> mtu;
  unsigned rx_queues = 0, tx_queues = 0;
  bool operator==(const Nic&) const = default;
};

struct Capabilities {
  Probed<KernelFacts> kernel;
  Mount tracefs, bpffs;
  AttachTypes attach;
  XdpFeatures xdp;
  Feature af_xdp;
  DpdkFeatures dpdk;
  Probed<Hugepages> hugepages;
  Probed<Cpus> cpus;
  Nullable<uint64_t> memory_bytes;
  Probed<std::vector<Nic>> nics;
  bool operator==(const Capabilities&) const = default;
};

}  // namespace pb::reports
