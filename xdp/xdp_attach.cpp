#include "xdp/xdp_attach.h"

#include <bpf/bpf.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/core/rtnl.h"

namespace pb::xdp {

XdpAttachment XdpAttachment::attach(int prog_fd, int ifindex, XdpMode mode) {
  char name[IF_NAMESIZE] = {};
  std::string ifname = if_indextoname(unsigned(ifindex), name) ? name : "?";
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode == XdpMode::kNative ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
  int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
  if (fd < 0)
    core::throw_errno(-fd, "attach xdp to " + ifname + " (ifindex " + std::to_string(ifindex) + ") in " +
                               std::string(core::name(mode)) + " mode");
  return XdpAttachment(core::UniqueFd(fd), ifindex, std::move(ifname), mode);
}

namespace {

struct LinkAttrs {
  const nlattr* ifname = nullptr;
  const nlattr* xdp = nullptr;
};

int link_attr_cb(const nlattr* attr, void* data) {
  auto* out = static_cast<LinkAttrs*>(data);
  switch (mnl_attr_get_type(attr)) {
    case IFLA_IFNAME: out->ifname = attr; break;
    case IFLA_XDP: out->xdp = attr; break;
    default: break;
  }
  return MNL_CB_OK;
}

struct XdpAttrs {
  uint8_t attached = XDP_ATTACHED_NONE;
  uint32_t prog_id = 0;
};

int xdp_attr_cb(const nlattr* attr, void* data) {
  auto* out = static_cast<XdpAttrs*>(data);
  switch (mnl_attr_get_type(attr)) {
    case IFLA_XDP_ATTACHED: out->attached = mnl_attr_get_u8(attr); break;
    case IFLA_XDP_PROG_ID: out->prog_id = mnl_attr_get_u32(attr); break;
    default: break;
  }
  return MNL_CB_OK;
}

const char* attached_mode(uint8_t a) {
  switch (a) {
    case XDP_ATTACHED_DRV: return "native";
    case XDP_ATTACHED_SKB: return "generic";
    case XDP_ATTACHED_HW: return "offload";
    case XDP_ATTACHED_MULTI: return "multi";
    default: return "none";
  }
}

}  // namespace

std::vector<XdpAttached> xdp_programs_attached_in(int netns_fd) {
  core::NetnsGuard in_ns(netns_fd);
  core::Rtnl nl;  // bound to the netns entered above
  nlmsghdr* nlh = nl.begin(RTM_GETLINK, NLM_F_DUMP);
  auto* ifm = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifm->ifi_family = AF_UNSPEC;
  std::vector<XdpAttached> out;
  nl.dump(
      nlh,
      [&](const nlmsghdr* msg) {
        if (msg->nlmsg_type != RTM_NEWLINK) return;
        const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(msg));
        LinkAttrs la;
        mnl_attr_parse(msg, sizeof(ifinfomsg), link_attr_cb, &la);
        if (!la.xdp) return;
        XdpAttrs xa;
        mnl_attr_parse_nested(la.xdp, xdp_attr_cb, &xa);
        if (xa.attached == XDP_ATTACHED_NONE) return;
        out.push_back({info->ifi_index, la.ifname ? mnl_attr_get_str(la.ifname) : "", attached_mode(xa.attached),
                       xa.prog_id});
      },
      "list XDP attachments (RTM_GETLINK dump)");
  std::sort(out.begin(), out.end(), [](const XdpAttached& a, const XdpAttached& b) { return a.ifindex < b.ifindex; });
  return out;
}

}  // namespace pb::xdp
