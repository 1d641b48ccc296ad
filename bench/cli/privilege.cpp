#include "bench/cli/privilege.h"

#include <fmt/core.h>

#include <fstream>
#include <system_error>

namespace pb::cli {

bool has_capability(int cap) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CapEff:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> cap) & 1;
  return false;
}

void require_capabilities(const std::vector<std::pair<int, const char*>>& caps, const std::string& what) {
  for (auto [cap, name] : caps)
    if (!has_capability(cap))
      throw std::system_error(EPERM, std::generic_category(), fmt::format("{} needs {} (run as root)", what, name));
}

}  // namespace pb::cli
