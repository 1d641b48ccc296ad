#include "bench/core/cpus.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace pb::core {

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
  } else {
    for (unsigned c = 0; c < std::max(1u, std::thread::hardware_concurrency()); ++c) cpus.push_back(int(c));
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

std::vector<int> allowed_cpus_except(const std::vector<int>& avoid) {
  if (avoid.empty()) return {};
  std::vector<int> cpus;
  for (int c : allowed_cpus())
    if (std::find(avoid.begin(), avoid.end(), c) == avoid.end()) cpus.push_back(c);
  return cpus;
}

}  // namespace pb::core
