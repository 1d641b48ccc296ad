// Facts about the host a report carries: kernel release, CPUs, memory, hugepages and the
// network interfaces of the caller's netns.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace pb::host {

// uname -r.
std::string kernel_release();
// {"hugepages": {total, free, size_kb}, "cpus": {online, model}, "memory_bytes",
//  "nics": [{name, driver, operstate, mtu, rx_queues, tx_queues}]}; each part isolated.
nlohmann::json probe_host_facts();

}  // namespace pb::host
