// What the kernel lets pathbench's probes do, found by trying (never by comparing version
// numbers): which BPF attach types load *and attach* (tracepoint, raw_tp, tp_btf, kprobe,
// fentry), kernel BTF, and the tracefs/bpffs mounts the probes need (mounted when missing).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

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

// {"tracefs": {ok, path, mounted_now, ...}, "bpffs": {...}, "attach": {"tracepoint",
// "raw_tp", "tp_btf", "kprobe", "fentry": {ok, errno, error}}}; each check is isolated.
nlohmann::json probe_kernel_features();

}  // namespace pb::probes
