// sock_diag: what `ss -tiepm` / `ss -uaepm` show for TCP and UDP sockets (struct tcp_info,
// skmem, congestion control), read over NETLINK_SOCK_DIAG (SOCK_DIAG_BY_FAMILY dump of
// inet_diag_req_v2).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
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

// One socket of a dump, every part sock_diag sent: the inet_diag_msg header (`ss -e`), the
// skmem array (`-m`), tcp_info fields by name without "tcpi_" (`-i`; only those the kernel
// sent), the congestion control name.
struct SockDiagEntry {
  int family = 0;    // AF_INET | AF_INET6
  int protocol = 0;  // IPPROTO_TCP | IPPROTO_UDP
  uint8_t state = 0, timer = 0, retrans = 0;
  std::string src, dst;
  uint16_t sport = 0, dport = 0;
  uint32_t ifindex = 0, expires_ms = 0, rqueue = 0, wqueue = 0, uid = 0, inode = 0;
  uint64_t cookie = 0;
  std::vector<std::pair<std::string, uint64_t>> skmem;     // rmem_alloc, rcvbuf, ... drops
  std::vector<std::pair<std::string, uint64_t>> tcp_info;  // rto, rtt, snd_cwnd, ...
  std::string cong;
};

// Every socket of `protocol` (IPPROTO_TCP or IPPROTO_UDP) and `family` (AF_INET, AF_INET6)
// in the calling thread's netns, any state; throws std::system_error as tcp_sockets does.
std::vector<SockDiagEntry> dump_sockets(int protocol, int family);

// ss's name of a socket state (1 = ESTAB, 7 = UNCONN, 10 = LISTEN, ...), as ss prints them.
std::string state_name(int protocol, uint8_t state);

}  // namespace pb::host
