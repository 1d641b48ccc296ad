// The CPUs this process may run on (its affinity mask), the one place that reads it.
#pragma once

#include <vector>

namespace pb::core {

// CPU numbers in the calling thread's affinity mask, ascending; every online CPU
// (hardware_concurrency) if sched_getaffinity fails; never empty.
std::vector<int> allowed_cpus();
// allowed_cpus() without `avoid`; empty (meaning: all) when `avoid` is empty or nothing would
// be left.
std::vector<int> allowed_cpus_except(const std::vector<int>& avoid);

}  // namespace pb::core
