// `pathbench env`: what this host can do, composed from the feature checks of each part
// (kernel_probes, xdp, dpdk, host facts).
#pragma once

#include "reports/model/capabilities.h"

namespace pb::cli {

// Needs root for most answers; without it they come back as failures with their errno.
reports::Capabilities probe_environment();

}  // namespace pb::cli
