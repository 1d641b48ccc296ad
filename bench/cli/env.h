// `pathbench env`: what this host can do, composed from the feature checks of each part
// (kernel_probes, xdp, dpdk, host facts).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace pb::cli {

// "kernel", "tracefs", "bpffs", "attach", "xdp", "af_xdp", "dpdk", "hugepages", "cpus",
// "memory_bytes", "nics". Needs root for most answers; without it they come back as
// failures with their errno.
nlohmann::json probe_environment();

// A short human-readable table of a probe_environment() result; tolerates missing keys.
std::string render_environment(const nlohmann::json& env);

}  // namespace pb::cli
