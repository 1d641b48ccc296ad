// The sockets of the kernel-tcp path: a listener in the DUT netns, one client per flow from
// the TG netns, each with bounded waits (connect, accept, and I/O that wakes up to look at
// the clock), and send/receive of whole messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "bench/core/topology.h"
#include "bench/core/unique_fd.h"

namespace pb::paths {

// A blocked send/recv wakes up this often to look at the clock.
inline constexpr int kTcpIoTimeoutMs = 100;

struct TcpConnections {
  std::vector<core::UniqueFd> clients;  // TG netns
  std::vector<core::UniqueFd> servers;  // DUT netns, in accept order
  std::set<uint16_t> client_ports;
};

// Binds and listens on topo.dut_ip():port in the DUT netns before any client connects, then
// connects `flows` clients from the TG netns and accepts them all; each connect and accept
// waits at most timeout_ms. `nodelay`: TCP_NODELAY on both ends. Throws std::system_error
// ("kernel-tcp: connect to the DUT server: ...").
TcpConnections open_tcp_connections(const core::Topology& topo, uint16_t port, unsigned flows, bool nodelay,
                                    unsigned timeout_ms);

enum class Io { kOk, kEof, kGaveUp };

// Sends all `n` bytes; kEof when the peer is gone; gives up (kGaveUp) once `give_up()` is
// true at a timeout tick. Throws std::system_error on any other error.
Io send_all(int fd, const char* p, size_t n, const std::function<bool()>& give_up);
// Receives exactly `n` bytes; kEof when the peer closed first.
Io recv_all(int fd, char* p, size_t n, const std::function<bool()>& give_up);

}  // namespace pb::paths
