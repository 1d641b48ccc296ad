// PACKET_STATISTICS of the AF_PACKET sockets this process holds (the net_af_packet PMD's,
// one per queue). DPDK 22.11's af_packet PMD reports no imissed, and a frame its ring had
// no room for is freed as a shared skb, which the kfree_skb tracepoint never sees: the
// socket's tp_drops is the only count of them.
#pragma once

#include <cstdint>
#include <optional>

namespace pb::dpdk {

struct PacketSocketStats {
  unsigned sockets = 0;
  uint64_t packets = 0;  // tp_packets: frames the sockets received (incl. dropped)
  uint64_t drops = 0;    // tp_drops: frames dropped for a full ring
};

// Reads (and so resets: the kernel zeroes them on read) the counters of every AF_PACKET
// socket among this process's file descriptors; std::nullopt when there is none.
std::optional<PacketSocketStats> read_packet_socket_stats();

}  // namespace pb::dpdk
