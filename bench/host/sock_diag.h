// sock_diag: what `ss -tiepm` shows for TCP sockets (struct tcp_info, skmem, congestion
// control), read over NETLINK_SOCK_DIAG (SOCK_DIAG_BY_FAMILY dump of inet_diag_req_v2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/model/path_blocks.h"

namespace pb::host {

// Which sockets tcp_sockets() returns; a zero port matches any port.
struct TcpSocketFilter {
  uint16_t sport = 0;         // local port
  uint16_t dport = 0;         // remote port
  uint32_t states = ~0u;      // bitmask of 1 << TCP_* states (TCP_ESTABLISHED = 1, ...)
  int family = 2;             // AF_INET
};

// One TCP socket as sock_diag reports it. tcp_info fields the running kernel did not send
// (it sends a shorter struct than the headers know) are 0; tcp_info_len says how much came.
using TcpSocketInfo = reports::TcpConnection;

// Dumps the TCP sockets of the calling thread's netns that match `filter`; throws
// std::system_error when the netlink socket cannot be opened or the dump fails.
std::vector<TcpSocketInfo> tcp_sockets(const TcpSocketFilter& filter = {});

// tcp_sockets() inside `netns_fd`, on a short-lived thread (the netlink socket must be
// opened in that netns), so the caller's netns never changes; rethrows its exception.
std::vector<TcpSocketInfo> tcp_sockets(int netns_fd, const TcpSocketFilter& filter = {});

}  // namespace pb::host
