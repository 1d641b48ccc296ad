// What DPDK this build and host offer: whether pathbench-dpdk was built, against which DPDK,
// and which poll-mode drivers are installed (found by their shared objects; no libdpdk).
#pragma once

#include <nlohmann/json.hpp>

namespace pb::dpdk {

// {"built", "version", "pmds": [...], "pmd_dirs": [...]}
nlohmann::json probe_dpdk_features();

}  // namespace pb::dpdk
