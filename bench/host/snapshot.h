// `pathbench snapshot`: everything the classical tools show for one netns, read from the
// kernel interfaces they use (see counters.h, sock_diag.h, socket_owners.h, net_knobs.h and
// core/ethtool.h for each source).
#pragma once

#include <string>

#include "reports/model/counters.h"

namespace pb::host {

// Reads the snapshot inside `netns_fd` (-1: the caller's netns), named `netns_name` in the
// document; the caller's netns never changes. Throws std::system_error when a counter source
// cannot be read; a part a driver or the kernel does not offer is recorded with its reason.
reports::CounterSnapshot take_full_snapshot(int netns_fd, const std::string& netns_name);

}  // namespace pb::host
