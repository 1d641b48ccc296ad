// VethPair: a veth pair created over rtnetlink, each end moved into a netns, addressed
// and up. Destroying it deletes the link (the peer goes with it).
#pragma once

#include <cstdint>
#include <string>

namespace pb::core {

struct VethEnd {
  std::string ifname;
  int netns_fd = -1;        // netns to move this end into (-1: stay in the caller's)
  std::string ipv4_cidr;    // e.g. "198.18.0.1/30"; empty: no address
};

struct VethConfig {
  VethEnd a;
  VethEnd b;
  unsigned queues = 1;  // num_rx_queues == num_tx_queues on both ends
  unsigned mtu = 0;     // 0: kernel default
};

class VethPair {
 public:
  // Creates, moves, addresses and brings up both ends; throws std::system_error with the
  // interface name in the message.
  explicit VethPair(VethConfig cfg);
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;
  ~VethPair();

  const VethConfig& config() const { return cfg_; }
  int ifindex_a() const { return ifindex_a_; }  // within a's netns
  int ifindex_b() const { return ifindex_b_; }  // within b's netns

 private:
  VethConfig cfg_;
  int ifindex_a_ = 0;
  int ifindex_b_ = 0;
};

}  // namespace pb::core
