// The steering and budget knobs `pathbench snapshot` shows: per queue (rps_cpus,
// rps_flow_cnt, xps_cpus, xps_rxqs, tx_maxrate, byte_queue_limits/*) from a netns's sysfs,
// and the net.core / net.ipv4 sysctls of the seed (netdev_max_backlog, tcp_rmem, ...).
#pragma once

#include <map>
#include <string>

#include "bench/core/netns_sysfs.h"
#include "reports/model/capabilities.h"

namespace pb::host {

// Knob name -> its value as the kernel prints it (whitespace runs as one space), or why it
// could not be read (xps_cpus: ENOENT on a single-queue device).
using KnobValues = std::map<std::string, reports::Probed<std::string>>;

// Queue ("rx-0", "tx-0", ...) -> its knobs, for `ifname` as `sysfs` sees it; empty when the
// link has no queues directory.
std::map<std::string, KnobValues> queue_knobs(const core::NetnsSysfs& sysfs, const std::string& ifname);

// "net.core.somaxconn" -> value, read in the calling thread's netns. The net.core knobs that
// are host-wide (netdev_max_backlog, netdev_budget, ...) exist only in the initial netns: read
// in `host_netns_fd` when this netns does not have them (-1: reported as missing).
KnobValues net_sysctls(int host_netns_fd = -1);

// "4096\t131072\n" -> "4096 131072".
std::string squeeze_spaces(const std::string& text);

}  // namespace pb::host
