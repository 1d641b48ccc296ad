// Which processes hold which sockets: what `ss -p` shows, read as ss does it (every
// /proc/PID/fd/N that links to "socket:[INODE]"); the kernel keeps no reverse map.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pb::host {

struct SocketOwner {
  std::string comm;
  int pid = 0;
  int fd = 0;
};

// Socket inode -> its holders, for every process this one may read (as root: all). Processes
// that exit during the walk are skipped.
std::map<uint64_t, std::vector<SocketOwner>> socket_owners();

// The inode of a "socket:[12345]" link target; 0 for anything else.
uint64_t socket_inode_of(const std::string& link_target);

}  // namespace pb::host
