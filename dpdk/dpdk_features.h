// What DPDK this build and host offer: whether pathbench-dpdk was built, against which DPDK,
// and which poll-mode drivers are installed (found by their shared objects; no libdpdk).
#pragma once

#include "reports/model/capabilities.h"

namespace pb::dpdk {

reports::DpdkFeatures probe_dpdk_features();

}  // namespace pb::dpdk
