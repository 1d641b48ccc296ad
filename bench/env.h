// `pathbench env`: what this host can do (attach types, XDP modes, AF_XDP, DPDK PMDs,
// hugepages, ...), found by trying each feature, never by comparing version numbers.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace pb::bench {

inline constexpr const char* kTracefsPath = "/sys/kernel/tracing";
inline constexpr const char* kBpffsPath = "/sys/fs/bpf";

// Returns the tracefs mount point, mounting tracefs at /sys/kernel/tracing first if it is
// not mounted there (logged; *mounted_now tells whether this call did it). Throws
// std::system_error when tracefs cannot be mounted.
std::string ensure_tracefs(bool* mounted_now = nullptr);

// Returns the bpffs mount point, mounting bpffs at /sys/fs/bpf first if it is not mounted
// there (logged; *mounted_now tells whether this call did it). Throws std::system_error.
std::string ensure_bpffs(bool* mounted_now = nullptr);

// Probes the host: "kernel", "attach" (tracepoint, raw_tp, tp_btf, kprobe, fentry, each
// {ok, errno, error}), "xdp" (native, generic, test_run_live_frames), "af_xdp", "dpdk",
// "hugepages", "cpus", "memory_bytes", "tracefs", "bpffs", "nics". Each probe is isolated:
// one that throws reports {"ok": false, "error": ...} and the others still run. Needs
// root for most answers; without it they come back as failures with their errno.
// Creates and removes a throwaway netns "pb-env-<pid>" with a veth pair for the XDP probe.
nlohmann::json probe_environment();

// A short human-readable table of a probe_environment() result; tolerates missing keys.
std::string render_environment(const nlohmann::json& env);

}  // namespace pb::bench
