#include "xdp/xdp_features.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/if_link.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bench/core/feature_check.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"
#include "bench/core/veth.h"
#include "kernel_probes/bpf_util.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

namespace pb::xdp {

namespace {

using core::UniqueFd;
using core::try_feature;

void attach_xdp(int prog_fd, int ifindex, __u32 mode) {
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode);
  int link = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
  if (link < 0) core::feature_fail(errno, "attach");
  UniqueFd owned(link);  // the attachment ends with the link
}

void run_live_frame(int prog_fd, int ifindex) {
  // A broadcast frame with an experimental ethertype: nothing in the netns answers it.
  unsigned char frame[64] = {};
  std::memset(frame, 0xff, 6);
  frame[6] = 0x02;
  frame[12] = 0x88;
  frame[13] = 0xb5;
  struct xdp_md ctx = {};
  ctx.data_end = sizeof frame;
  ctx.ingress_ifindex = __u32(ifindex);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof frame,
              .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 1,
              .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) core::feature_fail(errno, "test_run");
}

reports::XdpFeatures probe_xdp() {
  reports::XdpFeatures out;
  std::string ns_name = fmt::format("pbenv-{}", getpid());
  try {
    core::ScopedNetns ns(ns_name);
    // Enter first so the veth is created and deleted inside the throwaway netns: its
    // names then cannot clash with anything on the host.
    core::NetnsGuard in(ns.fd());
    core::VethConfig cfg;
    cfg.a.ifname = "pbenv0";
    cfg.b.ifname = "pbenv1";
    core::VethPair veth(cfg);
    int ifindex = veth.ifindex_a();
    UniqueFd prog = probes::load_trivial_program(BPF_PROG_TYPE_XDP, XDP_PASS);
    // Native and generic cannot be attached at once: each attach is undone before the next.
    out.native = try_feature([&] { attach_xdp(prog.get(), ifindex, XDP_FLAGS_DRV_MODE); });
    out.generic = try_feature([&] { attach_xdp(prog.get(), ifindex, XDP_FLAGS_SKB_MODE); });
    out.test_run_live_frames = try_feature([&] { run_live_frame(prog.get(), ifindex); });
  } catch (...) {
    // The throwaway veth or the program could not be made: every check fails with it.
    reports::Feature f = core::feature_failure(std::current_exception());
    out = {f, f, f};
  }
  return out;
}

void probe_af_xdp() {
  UniqueFd fd(socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!fd) core::feature_fail(errno, "socket(AF_XDP)");
}

}  // namespace

XdpHostFeatures probe_xdp_features() {
  probes::route_libbpf_logs();
  return {probe_xdp(), try_feature(probe_af_xdp)};
}

}  // namespace pb::xdp
