// sock_diag: what `ss -tiepm` shows for TCP sockets (struct tcp_info, skmem, congestion
// control), read over NETLINK_SOCK_DIAG (SOCK_DIAG_BY_FAMILY dump of inet_diag_req_v2).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

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
struct TcpSocketInfo {
  std::string src, dst;
  uint16_t sport = 0, dport = 0;
  uint8_t state = 0;            // TCP_ESTABLISHED, ...
  uint32_t inode = 0;
  uint32_t rqueue = 0, wqueue = 0;
  std::string cong;             // INET_DIAG_CONG ("cubic"); empty when not sent
  uint32_t tcp_info_len = 0;    // bytes of INET_DIAG_INFO received; 0: no tcp_info
  uint32_t rtt_us = 0, rttvar_us = 0, min_rtt_us = 0;
  uint32_t snd_cwnd = 0, snd_ssthresh = 0, snd_mss = 0, rcv_mss = 0;
  uint32_t retrans = 0, total_retrans = 0, lost = 0;
  uint32_t segs_out = 0, segs_in = 0, data_segs_out = 0, data_segs_in = 0;
  uint64_t pacing_rate = 0, delivery_rate = 0;  // bytes per second
  uint64_t bytes_acked = 0, bytes_received = 0, bytes_sent = 0, bytes_retrans = 0;
  uint64_t busy_time_us = 0, rwnd_limited_us = 0, sndbuf_limited_us = 0;
  bool has_skmem = false;       // INET_DIAG_SKMEMINFO: skmem:(r,rb,t,tb,f,w,o,bl,d)
  uint32_t rmem_alloc = 0, rcvbuf = 0, wmem_alloc = 0, sndbuf = 0, wmem_queued = 0, backlog = 0, drops = 0;
};

// Dumps the TCP sockets of the calling thread's netns that match `filter`; throws
// std::system_error when the netlink socket cannot be opened or the dump fails.
std::vector<TcpSocketInfo> tcp_sockets(const TcpSocketFilter& filter = {});

// tcp_sockets() inside `netns_fd`, on a short-lived thread (the netlink socket must be
// opened in that netns), so the caller's netns never changes; rethrows its exception.
std::vector<TcpSocketInfo> tcp_sockets(int netns_fd, const TcpSocketFilter& filter = {});

// {"src", "sport", "dst", "dport", "state", "inode", "cong", "rtt_us", ..., "skmem": {...}}
nlohmann::json to_json(const TcpSocketInfo& s);

}  // namespace pb::host
