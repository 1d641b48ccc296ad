#include "bench/core/veth.h"

#include <linux/if_link.h>
#include <linux/veth.h>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/rtnl.h"

namespace pb::core {

namespace {

void put_end_attrs(nlmsghdr* nlh, const VethEnd& end, unsigned queues) {
  mnl_attr_put_strz(nlh, IFLA_IFNAME, end.ifname.c_str());
  mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, queues);
  mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, queues);
  if (end.netns_fd >= 0) mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, uint32_t(end.netns_fd));
}

int configure_end(const VethEnd& end, unsigned mtu) {
  return with_netns(end.netns_fd, [&] {
    Rtnl nl;
    int ifindex = ifindex_of(end.ifname);
    if (ifindex == 0) throw_errno(ENODEV, "find veth end " + end.ifname);
    if (mtu) link_set_mtu(nl, ifindex, mtu, end.ifname);
    if (!end.ipv4_cidr.empty()) addr_add_ipv4(nl, ifindex, end.ipv4_cidr, end.ifname);
    link_set_up(nl, ifindex, end.ifname);
    return ifindex;
  });
}

}  // namespace

VethPair::VethPair(VethConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.queues == 0) throw UsageError("veth queues must be at least 1");
  {
    Rtnl nl;
    nlmsghdr* nlh = nl.begin(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
    ifm->ifi_family = AF_UNSPEC;
    put_end_attrs(nlh, cfg_.a, cfg_.queues);
    nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    nlattr* data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    nlattr* peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    auto* pifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
    pifm->ifi_family = AF_UNSPEC;
    put_end_attrs(nlh, cfg_.b, cfg_.queues);
    mnl_attr_nest_end(nlh, peer);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, linkinfo);
    nl.execute(nlh, "create veth " + cfg_.a.ifname + " <-> " + cfg_.b.ifname);
  }
  try {
    ifindex_a_ = configure_end(cfg_.a, cfg_.mtu);
    ifindex_b_ = configure_end(cfg_.b, cfg_.mtu);
  } catch (...) {
    with_netns(cfg_.a.netns_fd, [&] {
      Rtnl nl;
      link_delete(nl, cfg_.a.ifname);
    });
    throw;
  }
}

VethPair::~VethPair() {
  try {
    with_netns(cfg_.a.netns_fd, [&] {
      Rtnl nl;
      link_delete(nl, cfg_.a.ifname);
    });
  } catch (const std::exception& e) {
    PB_WARN("delete veth {}: {}", cfg_.a.ifname, e.what());
  }
}

}  // namespace pb::core
