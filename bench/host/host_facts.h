// Facts about the host a report carries: kernel release, CPUs, memory, hugepages and the
// network interfaces of the caller's netns.
#pragma once

#include <string>
#include <vector>

#include "reports/model/capabilities.h"

namespace pb::host {

// uname -r.
std::string kernel_release();
struct HostFacts {
  reports::Probed<reports::Hugepages> hugepages;
  reports::Probed<reports::Cpus> cpus;
  reports::Nullable<uint64_t> memory_bytes;
  reports::Probed<std::vector<reports::Nic>> nics;
};
// Hugepages, CPUs, memory and NICs; each part isolated (a failure says why).
HostFacts probe_host_facts();

}  // namespace pb::host
