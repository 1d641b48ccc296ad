// XdpAttachment: one XDP program attached to one interface through a BPF link, so the
// attachment dies with its owner and, if the process is killed, with the process.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bench/core/settings.h"
#include "bench/core/unique_fd.h"

namespace pb::xdp {

// Where the program runs (core/settings.h): native or generic.
using core::XdpMode;

class XdpAttachment {
 public:
  // Attaches prog_fd to ifindex in `mode` through bpf_link_create(BPF_XDP). ifindex is
  // resolved in the calling thread's network namespace: enter the interface's netns
  // first (core::NetnsGuard). Throws std::system_error naming the interface, its
  // ifindex and the mode ("attach xdp to pb-dut0 (ifindex 2) in native mode: ...").
  static XdpAttachment attach(int prog_fd, int ifindex, XdpMode mode);

  XdpAttachment(XdpAttachment&&) noexcept = default;
  XdpAttachment& operator=(XdpAttachment&&) noexcept = default;
  // Detaches (closes the link).
  ~XdpAttachment() = default;

  // Detaches now; a no-op when already detached.
  void detach() { link_.reset(); }
  bool attached() const { return bool(link_); }
  int ifindex() const { return ifindex_; }
  const std::string& ifname() const { return ifname_; }
  XdpMode mode() const { return mode_; }
  int link_fd() const { return link_.get(); }

 private:
  XdpAttachment(core::UniqueFd link, int ifindex, std::string ifname, XdpMode mode)
      : link_(std::move(link)), ifindex_(ifindex), ifname_(std::move(ifname)), mode_(mode) {}
  core::UniqueFd link_;
  int ifindex_ = 0;
  std::string ifname_;
  XdpMode mode_ = XdpMode::kNative;
};

// One interface with an XDP program on it, as rtnetlink's IFLA_XDP reports it.
struct XdpAttached {
  int ifindex = 0;
  std::string ifname;
  std::string mode;      // "native" | "generic" | "offload" | "multi"
  uint32_t prog_id = 0;  // the (first) attached program's id; 0 with "multi"
};

// Every interface of a network namespace with an XDP program attached (RTM_GETLINK dump,
// IFLA_XDP), in ifindex order. netns_fd -1: the calling thread's netns. Throws
// std::system_error when the netns cannot be entered or the dump fails.
std::vector<XdpAttached> xdp_programs_attached_in(int netns_fd = -1);

}  // namespace pb::xdp
