// The capabilities a command needs, checked before it touches the host: a missing one is
// exit 4 (kExitPrivilege) naming it.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pb::cli {

inline constexpr int kCapNetAdmin = 12, kCapSysAdmin = 21, kCapPerfmon = 38, kCapBpf = 39;

// Whether this process has `cap` in its effective set (/proc/self/status CapEff).
bool has_capability(int cap);
// Throws std::system_error(EPERM) "`what` needs NAME (run as root)" for the first missing one.
void require_capabilities(const std::vector<std::pair<int, const char*>>& caps, const std::string& what);

}  // namespace pb::cli
