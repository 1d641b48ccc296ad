// Ethtool feature knobs over the SIOCETHTOOL ioctl, inside a netns.
#pragma once

#include <string>

namespace pb::core {

// GRO on `ifname` in `netns_fd` (-1: the caller's netns). A veth end with GRO on takes XDP
// frames (XDP_TX / redirect from its peer) even without an XDP program of its own.
void set_gro(int netns_fd, const std::string& ifname, bool on);
bool get_gro(int netns_fd, const std::string& ifname);
// TSO on `ifname`. veth takes a peer's UDP skb into its NAPI path (real RX queues) only when
// the peer does not do TSO (or the receiver has rx-udp-gro-forwarding).
void set_tso(int netns_fd, const std::string& ifname, bool on);

}  // namespace pb::core
