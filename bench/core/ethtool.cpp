#include "bench/core/ethtool.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"

namespace pb::core {

namespace {

void ethtool_ioctl(int netns_fd, const std::string& ifname, ethtool_value& v, const std::string& what) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) throw UsageError("bad interface name '" + ifname + "'");
  NetnsGuard in_ns(netns_fd);
  UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno(what + " " + ifname + ": socket");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  ifr.ifr_data = reinterpret_cast<char*>(&v);
  if (ioctl(fd.get(), SIOCETHTOOL, &ifr) != 0) throw_errno(what + " " + ifname);
}

}  // namespace

void set_gro(int netns_fd, const std::string& ifname, bool on) {
  ethtool_value v{};
  v.cmd = ETHTOOL_SGRO;
  v.data = on ? 1 : 0;
  ethtool_ioctl(netns_fd, ifname, v, on ? "ethtool: GRO on" : "ethtool: GRO off");
}

void set_tso(int netns_fd, const std::string& ifname, bool on) {
  ethtool_value v{};
  v.cmd = ETHTOOL_STSO;
  v.data = on ? 1 : 0;
  ethtool_ioctl(netns_fd, ifname, v, on ? "ethtool: TSO on" : "ethtool: TSO off");
}

bool get_gro(int netns_fd, const std::string& ifname) {
  ethtool_value v{};
  v.cmd = ETHTOOL_GGRO;
  ethtool_ioctl(netns_fd, ifname, v, "ethtool: read GRO");
  return v.data != 0;
}

}  // namespace pb::core
