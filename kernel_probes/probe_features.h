// What the kernel lets pathbench's probes do, found by trying (never by comparing version
// numbers): which BPF attach types load *and attach* (tracepoint, raw_tp, tp_btf, kprobe,
// fentry), kernel BTF, and the tracefs/bpffs mounts the probes need (mounted when missing).
#pragma once

#include <string>

#include "reports/model/capabilities.h"

namespace pb::probes {

inline constexpr const char* kTracefsPath = "/sys/kernel/tracing";
inline constexpr const char* kBpffsPath = "/sys/fs/bpf";

// Returns the tracefs mount point, mounting tracefs at /sys/kernel/tracing first if it is
// not mounted there (logged; *mounted_now tells whether this call did it). Throws
// std::system_error when tracefs cannot be mounted.
std::string ensure_tracefs(bool* mounted_now = nullptr);

// Returns the bpffs mount point, mounting bpffs at /sys/fs/bpf first if it is not mounted
// there (logged; *mounted_now tells whether this call did it). Throws std::system_error.
std::string ensure_bpffs(bool* mounted_now = nullptr);

// Whether /sys/kernel/btf/vmlinux is readable.
bool kernel_btf();

struct KernelFeatures {
  reports::Mount tracefs, bpffs;
  reports::AttachTypes attach;
};
// The mounts (mounting what is missing) and which attach types load and attach; each
// check is isolated.
KernelFeatures probe_kernel_features();

}  // namespace pb::probes
