#include "bench/core/rtnl.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"

namespace pb::core {

Rtnl::Rtnl() : buf_(MNL_SOCKET_BUFFER_SIZE * 2) {
  nl_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!nl_) throw_errno("open rtnetlink socket");
  if (mnl_socket_bind(nl_, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(nl_);
    throw_errno(err, "bind rtnetlink socket");
  }
  portid_ = mnl_socket_get_portid(nl_);
}

Rtnl::~Rtnl() { mnl_socket_close(nl_); }

nlmsghdr* Rtnl::begin(uint16_t type, uint16_t flags) {
  std::memset(buf_.data(), 0, buf_.size());
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  nlh->nlmsg_seq = ++seq_;
  return nlh;
}

namespace {
struct CbCtx {
  const std::function<void(const nlmsghdr*)>* cb;
};
int data_cb(const nlmsghdr* nlh, void* data) {
  auto* ctx = static_cast<CbCtx*>(data);
  if (ctx->cb && *ctx->cb) (*ctx->cb)(nlh);
  return MNL_CB_OK;
}
}  // namespace

void Rtnl::dump(nlmsghdr* msg, const std::function<void(const nlmsghdr*)>& cb, const std::string& what) {
  if (mnl_socket_sendto(nl_, msg, msg->nlmsg_len) < 0) throw_errno(what);
  uint32_t seq = msg->nlmsg_seq;
  CbCtx ctx{&cb};
  // The receive buffer must outlive the request buffer's contents only for this call.
  std::vector<char> rx(MNL_SOCKET_BUFFER_SIZE * 4);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl_, rx.data(), rx.size());
    if (n < 0) throw_errno(what);
    int rc = mnl_cb_run(rx.data(), size_t(n), seq, portid_, data_cb, &ctx);
    if (rc < 0) throw_errno(what);
    if (rc == MNL_CB_STOP) return;
  }
}

void Rtnl::execute(nlmsghdr* msg, const std::string& what) {
  msg->nlmsg_flags |= NLM_F_ACK;
  dump(msg, {}, what);
}

int ifindex_of(const std::string& ifname) { return int(if_nametoindex(ifname.c_str())); }

void link_set_up(Rtnl& nl, int ifindex, const std::string& ifname) {
  nlmsghdr* nlh = nl.begin(RTM_NEWLINK, 0);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = ifindex;
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;
  nl.execute(nlh, "set link " + ifname + " up");
}

void link_set_mtu(Rtnl& nl, int ifindex, unsigned mtu, const std::string& ifname) {
  nlmsghdr* nlh = nl.begin(RTM_NEWLINK, 0);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = ifindex;
  mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
  nl.execute(nlh, "set mtu " + std::to_string(mtu) + " on " + ifname);
}

void link_delete(Rtnl& nl, const std::string& ifname) {
  nlmsghdr* nlh = nl.begin(RTM_DELLINK, 0);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname.c_str());
  try {
    nl.execute(nlh, "delete link " + ifname);
  } catch (const std::system_error& e) {
    if (e.code().value() != ENODEV) throw;
  }
}

void addr_add_ipv4(Rtnl& nl, int ifindex, const std::string& cidr, const std::string& ifname) {
  auto slash = cidr.find('/');
  std::string ip = cidr.substr(0, slash);
  int plen = 32;
  if (slash != std::string::npos) plen = std::stoi(cidr.substr(slash + 1));
  in_addr addr{};
  if (inet_pton(AF_INET, ip.c_str(), &addr) != 1 || plen < 0 || plen > 32)
    throw UsageError("bad IPv4 address '" + cidr + "' for " + ifname);
  nlmsghdr* nlh = nl.begin(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = uint8_t(plen);
  ifa->ifa_index = uint32_t(ifindex);
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
  mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
  nl.execute(nlh, "add address " + cidr + " to " + ifname);
}

void neigh_add_permanent(Rtnl& nl, int ifindex, const std::string& ipv4, const std::array<uint8_t, 6>& mac,
                         const std::string& ifname) {
  in_addr addr{};
  if (inet_pton(AF_INET, ipv4.c_str(), &addr) != 1) throw UsageError("bad IPv4 address '" + ipv4 + "'");
  nlmsghdr* nlh = nl.begin(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
  auto* nd = static_cast<ndmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ndmsg)));
  nd->ndm_family = AF_INET;
  nd->ndm_ifindex = ifindex;
  nd->ndm_state = NUD_PERMANENT;
  mnl_attr_put(nlh, NDA_DST, sizeof(addr), &addr);
  mnl_attr_put(nlh, NDA_LLADDR, mac.size(), mac.data());
  nl.execute(nlh, "add neighbour " + ipv4 + " on " + ifname);
}

std::array<uint8_t, 6> link_mac(const std::string& ifname, int netns_fd) {
  NetnsGuard in_ns(netns_fd);
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) throw_errno("socket");
  ifreq ifr{};
  ifname.copy(ifr.ifr_name, IFNAMSIZ - 1);
  if (ioctl(s.get(), SIOCGIFHWADDR, &ifr) != 0) throw_errno("read MAC of " + ifname);
  std::array<uint8_t, 6> mac;
  std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, mac.size());
  return mac;
}

int link_ifindex(const std::string& ifname, int netns_fd) {
  NetnsGuard in_ns(netns_fd);
  int ifindex = ifindex_of(ifname);
  if (ifindex == 0) throw_errno(ENODEV, "find interface " + ifname);
  return ifindex;
}

rtnl_link_stats64 link_stats64(const std::string& ifname, int netns_fd) {
  NetnsGuard in_ns(netns_fd);
  Rtnl nl;
  // A single GET answers with one RTM_NEWLINK and, asked to, an ACK that ends the exchange.
  nlmsghdr* nlh = nl.begin(RTM_GETLINK, NLM_F_ACK);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname.c_str());
  rtnl_link_stats64 stats{};
  bool found = false;
  nl.dump(nlh, [&](const nlmsghdr* reply) {
    if (reply->nlmsg_type != RTM_NEWLINK) return;
    // mnl_attr_for_each casts from void*, which C++ does not do implicitly.
    for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(reply, sizeof(ifinfomsg)));
         mnl_attr_ok(attr, static_cast<const char*>(mnl_nlmsg_get_payload_tail(reply)) - reinterpret_cast<const char*>(attr));
         attr = mnl_attr_next(attr)) {
      if (mnl_attr_get_type(attr) != IFLA_STATS64) continue;
      std::memcpy(&stats, mnl_attr_get_payload(attr),
                  std::min<size_t>(sizeof(stats), mnl_attr_get_payload_len(attr)));
      found = true;
    }
  }, "read link counters of " + ifname);
  if (!found) throw_errno(ENODATA, "read link counters of " + ifname);
  return stats;
}

}  // namespace pb::core
