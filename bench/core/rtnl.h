// Rtnl: a blocking rtnetlink request/ack channel (libmnl) bound to the netns of the
// thread that constructs it.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/core/unique_fd.h"

namespace pb::core {

class Rtnl {
 public:
  Rtnl();  // opens NETLINK_ROUTE in the calling thread's netns; throws on failure
  Rtnl(const Rtnl&) = delete;
  Rtnl& operator=(const Rtnl&) = delete;
  ~Rtnl();

  // A zeroed message buffer with a header for `type` and `flags` (NLM_F_REQUEST added).
  nlmsghdr* begin(uint16_t type, uint16_t flags);
  // Sends the message built with begin() and waits for the ACK; throws
  // std::system_error(errno from the kernel, `what`).
  void execute(nlmsghdr* msg, const std::string& what);
  // Sends a dump request and calls `cb` for every reply message.
  void dump(nlmsghdr* msg, const std::function<void(const nlmsghdr*)>& cb, const std::string& what);

 private:
  mnl_socket* nl_ = nullptr;
  uint32_t seq_ = 0;
  uint32_t portid_ = 0;
  std::vector<char> buf_;
};

// Link helpers, in the calling thread's netns.
int ifindex_of(const std::string& ifname);  // 0 if missing
void link_set_up(Rtnl& nl, int ifindex, const std::string& ifname);
void link_set_mtu(Rtnl& nl, int ifindex, unsigned mtu, const std::string& ifname);
void link_delete(Rtnl& nl, const std::string& ifname);  // ENODEV is not an error
void addr_add_ipv4(Rtnl& nl, int ifindex, const std::string& cidr, const std::string& ifname);
// A permanent IPv4 neighbour entry, so the first packets of a trial never wait on ARP.
void neigh_add_permanent(Rtnl& nl, int ifindex, const std::string& ipv4, const std::array<uint8_t, 6>& mac,
                         const std::string& ifname);
// The MAC address / ifindex of `ifname` inside `netns_fd` (-1: the caller's netns); throw
// std::system_error naming the interface when it is missing.
std::array<uint8_t, 6> link_mac(const std::string& ifname, int netns_fd = -1);
int link_ifindex(const std::string& ifname, int netns_fd = -1);
// The link counters of `ifname` inside `netns_fd` (-1: the caller's netns) as rtnetlink's
// IFLA_STATS64 gives them (fields an older kernel does not send are 0); throws
// std::system_error naming the interface.
rtnl_link_stats64 link_stats64(const std::string& ifname, int netns_fd = -1);

}  // namespace pb::core
