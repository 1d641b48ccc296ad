// The XDP verdict family under BPF_PROG_TEST_RUN on packet fixtures, and a real native
// attach/detach on a veth in a throwaway netns. Needs root (CAP_BPF, CAP_NET_ADMIN).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <system_error>
#include <vector>

#include "bench/core/clock.h"
#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"
#include "kernel_probes/xdp_events_probe.h"
#include "tests/bpf/fixtures.h"
#include "tests/bpf/rig.h"
#include "xdp/xdp_attach.h"
#include "xdp/xdp_verdict_loader.h"

namespace pb::xdp {
namespace {

using pb::core::mono_ns;

// Why this host cannot load an XDP program, or ""; the tests skip on a reason.
std::string cannot_load_bpf() {
  return test::bpf_unavailable("CAP_BPF, CAP_NET_ADMIN", "an XDP program", test::Refusal::kAnyError,
                               [] { XdpVerdictProgram p({}); });
}

#define SKIP_WITHOUT_BPF() PB_SKIP_IF(cannot_load_bpf())

struct RunResult {
  int err = 0;
  uint32_t retval = 0;
  std::vector<uint8_t> out;
};

// One BPF_PROG_TEST_RUN of `frame` (rx_queue_index 0 on no particular device unless
// `ctx` names one).
RunResult run(int prog_fd, const std::vector<uint8_t>& frame, xdp_md* ctx = nullptr) {
  RunResult r;
  r.out.resize(frame.size() + 256);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = r.out.data(),
              .data_size_in = uint32_t(frame.size()), .data_size_out = uint32_t(r.out.size()),
              .ctx_in = ctx, .ctx_size_in = ctx ? uint32_t(sizeof(*ctx)) : 0u, .repeat = 1);
  r.err = bpf_prog_test_run_opts(prog_fd, &opts);
  r.retval = opts.retval;
  r.out.resize(opts.data_size_out);
  return r;
}

uint32_t expected_action(XdpVerdict v) {
  switch (v) {
    case XdpVerdict::kDrop: return XDP_DROP;
    case XdpVerdict::kPass: return XDP_PASS;
    case XdpVerdict::kTx: return XDP_TX;
    case XdpVerdict::kRedirect: return XDP_REDIRECT;
  }
  return ~0u;
}

uint64_t verdict_count(const XdpVerdictCounts& c, uint32_t action) {
  switch (action) {
    case XDP_ABORTED: return c.aborted;
    case XDP_DROP: return c.drop;
    case XDP_PASS: return c.pass;
    case XDP_TX: return c.tx;
    case XDP_REDIRECT: return c.redirect;
  }
  return 0;
}

// A throwaway netns with lo and a veth pair (both ends inside) for programs that resolve
// ifindexes; `enter`: the thread stays in it while the sandbox lives.
test::SandboxConfig sandbox(const std::string& topic, unsigned queues = 1, bool enter = true) {
  return {.family = "xdp", .topic = topic, .a = {"pbt-a", -1, ""}, .b = {"pbt-b", -1, ""}, .queues = queues,
          .enter = enter};
}

class VerdictTest : public ::testing::TestWithParam<XdpVerdict> {};

// Every fixture through every verdict: the action returned and every counter of slot 0.
TEST_P(VerdictTest, CountsEveryFixture) {
  SKIP_WITHOUT_BPF();
  const XdpVerdict v = GetParam();
  test::Sandbox sb(sandbox(std::string("v") + to_string(v)));
  XdpVerdictProgram prog({.verdict = v});
  if (v == XdpVerdict::kRedirect) prog.set_redirect_ifindex(sb.veth().ifindex_b());
  const uint32_t want = expected_action(v);

  struct Case {
    const char* name;
    std::vector<uint8_t> frame;
    bool tagged;
    bool malformed;
  };
  const uint64_t now = mono_ns();
  std::vector<Case> cases = {
      {"tagged", test::tagged_udp_frame(now - 5000), true, false},
      {"untagged", test::untagged_udp_frame(), false, false},
      {"tcp", test::tcp_frame(), false, true},
      {"eth-only runt", test::runt_frame(test::kEthLen), false, true},
      {"udp header cut", test::runt_frame(test::kEthLen + test::kIpv4Len + 4), false, true},
      {"ihl=15", test::ipv4_long_ihl_frame(now - 5000), false, true},
      {"vlan", test::vlan_udp_frame(now - 5000), false, true},
      {"tag cut short", test::runt_frame(test::kTaggedFrameLen - 1), false, false},
  };

  XdpVerdictReading before = prog.read();
  XdpVerdictCounts expect;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RunResult r = run(prog.prog_fd(), c.frame);
    ASSERT_EQ(r.err, 0) << "bpf_prog_test_run_opts";
    EXPECT_EQ(r.retval, want);
    expect.packets++;
    expect.bytes += c.frame.size();
    expect.tagged += c.tagged;
    expect.malformed += c.malformed;
    XdpVerdictReading d = delta(before, prog.read());
    XdpVerdictCounts q0 = d.rx_queue(0);
    EXPECT_EQ(q0.packets, expect.packets);
    EXPECT_EQ(q0.bytes, expect.bytes);
    EXPECT_EQ(q0.tagged, expect.tagged);
    EXPECT_EQ(q0.malformed, expect.malformed);
    EXPECT_EQ(verdict_count(q0, want), expect.packets);
    EXPECT_EQ(q0.aborted + q0.drop + q0.pass + q0.tx + q0.redirect, expect.packets);
    EXPECT_EQ(d.total, q0) << "only rx queue 0 was used";
    if (v == XdpVerdict::kTx && c.frame.size() >= test::kEthLen) {
      // Sent back to the TG: destination and source swapped, the rest untouched.
      ASSERT_EQ(r.out.size(), c.frame.size());
      EXPECT_TRUE(std::equal(r.out.begin(), r.out.begin() + 6, c.frame.begin() + 6));
      EXPECT_TRUE(std::equal(r.out.begin() + 6, r.out.begin() + 12, c.frame.begin()));
      EXPECT_TRUE(std::equal(r.out.begin() + 12, r.out.end(), c.frame.begin() + 12));
    }
  }

  // Only the one tagged frame was timed: 5 µs old when built, far less than a second.
  XdpVerdictReading d = delta(before, prog.read());
  ASSERT_EQ(d.latency.count(), 1u);
  size_t bucket = 0;
  for (size_t i = 0; i < d.latency_buckets.size(); ++i)
    if (d.latency_buckets[i]) bucket = i;
  EXPECT_GE(pb_hist_bucket_upper(uint32_t(bucket)), 5000u);
  EXPECT_LT(pb_hist_bucket_lower(uint32_t(bucket)), 1000000000u);
  EXPECT_GE(d.latency.max(), 5000u);
  EXPECT_LT(d.latency.min(), 1000000000u);
}

INSTANTIATE_TEST_SUITE_P(AllVerdicts, VerdictTest,
                         ::testing::Values(XdpVerdict::kDrop, XdpVerdict::kPass, XdpVerdict::kTx, XdpVerdict::kRedirect),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The kernel refuses test runs shorter than an Ethernet header: a 10-byte runt never
// reaches the program, so it is counted nowhere.
TEST(XdpVerdict, KernelRefusesTenByteRunt) {
  SKIP_WITHOUT_BPF();
  XdpVerdictProgram prog({.verdict = XdpVerdict::kDrop});
  RunResult r = run(prog.prog_fd(), test::runt_frame(10));
  EXPECT_EQ(r.err, -EINVAL);
  EXPECT_EQ(prog.read().total.packets, 0u);
}

// A DEVMAP slot that was never filled: bpf_redirect_map gives XDP_ABORTED, counted as such.
TEST(XdpVerdict, RedirectWithoutTargetAborts) {
  SKIP_WITHOUT_BPF();
  XdpVerdictProgram prog({.verdict = XdpVerdict::kRedirect});
  RunResult r = run(prog.prog_fd(), test::untagged_udp_frame());
  ASSERT_EQ(r.err, 0);
  EXPECT_EQ(r.retval, uint32_t(XDP_ABORTED));
  XdpVerdictCounts t = prog.read().total;
  EXPECT_EQ(t.aborted, 1u);
  EXPECT_EQ(t.redirect, 0u);
}

TEST(XdpVerdict, RedirectThroughCpumap) {
  SKIP_WITHOUT_BPF();
  XdpVerdictProgram prog({.verdict = XdpVerdict::kRedirect, .use_cpumap = true, .cpumap_cpu = 0, .cpumap_qsize = 64});
  EXPECT_NE(prog.cpumap_id(), 0u);
  RunResult r = run(prog.prog_fd(), test::tagged_udp_frame(mono_ns()));
  ASSERT_EQ(r.err, 0);
  EXPECT_EQ(r.retval, uint32_t(XDP_REDIRECT));
  EXPECT_EQ(prog.read().total.redirect, 1u);
}

TEST(XdpVerdict, BadCpumapCpuIsUsageError) {
  SKIP_WITHOUT_BPF();
  EXPECT_THROW(XdpVerdictProgram({.verdict = XdpVerdict::kRedirect, .use_cpumap = true, .cpumap_cpu = 100000}),
               core::UsageError);
}

// A frame on RX queue 3 of a 4-queue veth lands in slot 3; cumulative readings grow.
TEST(XdpVerdict, CountsByRxQueue) {
  SKIP_WITHOUT_BPF();
  test::Sandbox sb(sandbox("rxq", 4));
  XdpVerdictProgram prog({.verdict = XdpVerdict::kPass});
  xdp_md ctx{};
  ctx.ingress_ifindex = uint32_t(sb.veth().ifindex_a());
  ctx.rx_queue_index = 3;
  std::vector<uint8_t> frame = test::tagged_udp_frame(mono_ns());
  ctx.data_end = uint32_t(frame.size());
  RunResult r = run(prog.prog_fd(), frame, &ctx);
  ASSERT_EQ(r.err, 0);
  XdpVerdictReading a = prog.read();
  EXPECT_EQ(a.rx_queue(3).packets, 1u);
  EXPECT_EQ(a.rx_queue(3).tagged, 1u);
  EXPECT_EQ(a.rx_queue(0).packets, 0u);
  ASSERT_EQ(run(prog.prog_fd(), frame, &ctx).err, 0);
  XdpVerdictReading b = prog.read();
  EXPECT_EQ(b.rx_queue(3).packets, 2u);
  EXPECT_EQ(delta(a, b).total.packets, 1u);
  EXPECT_EQ(b.latency.count(), 2u);
}

// xdp_drop natively on a veth: listed while the attachment lives, gone after.
TEST(XdpAttachment, NativeAttachIsListedAndGoesAway) {
  SKIP_WITHOUT_BPF();
  test::Sandbox sb(sandbox("attach", 1, false));
  const core::ScopedNetns& ns = sb.netns_a();
  const core::VethPair& veth = sb.veth();
  XdpVerdictProgram prog({.verdict = XdpVerdict::kDrop});
  ASSERT_TRUE(xdp_programs_attached_in(ns.fd()).empty());
  {
    core::NetnsGuard in(ns.fd());
    XdpAttachment att = XdpAttachment::attach(prog.prog_fd(), veth.ifindex_a(), XdpMode::kNative);
    EXPECT_TRUE(att.attached());
    EXPECT_EQ(att.ifname(), "pbt-a");
    auto listed = xdp_programs_attached_in(ns.fd());
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].ifindex, veth.ifindex_a());
    EXPECT_EQ(listed[0].ifname, "pbt-a");
    EXPECT_EQ(listed[0].mode, "native");
    EXPECT_EQ(listed[0].prog_id, prog.prog_id());
    // A second program on the same hook is refused while the link holds it.
    EXPECT_THROW(XdpAttachment::attach(prog.prog_fd(), veth.ifindex_a(), XdpMode::kNative), std::system_error);
  }
  EXPECT_TRUE(xdp_programs_attached_in(ns.fd()).empty());

  // The loader's own attach, in generic mode, by netns fd.
  prog.attach(veth.ifindex_b(), XdpMode::kGeneric, ns.fd());
  auto listed = xdp_programs_attached_in(ns.fd());
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].mode, "generic");
  prog.detach();
  EXPECT_TRUE(xdp_programs_attached_in(ns.fd()).empty());
}

// Real frames on a veth: xdp_redirect with an empty DEVMAP slot aborts each one, and
// xdp:xdp_exception reports the same count for that interface (and nothing for others).
TEST(XdpEvents, ExceptionsMatchAbortedFrames) {
  SKIP_WITHOUT_BPF();
  test::Sandbox sb(sandbox("events"));
  XdpVerdictProgram prog({.verdict = XdpVerdict::kRedirect});
  const uint32_t ino = uint32_t(sb.netns_a().inode());
  probes::XdpEventsProbe events({.ifs = {{uint32_t(sb.veth().ifindex_b()), ino}}});
  const auto& active = events.programs().active;
  bool has_exception = std::find(active.begin(), active.end(), "tp_btf/xdp_exception") != active.end() ||
                       std::find(active.begin(), active.end(), "raw_tp/xdp_exception") != active.end();
  if (!has_exception) GTEST_SKIP() << "xdp:xdp_exception is not available on this kernel";
  // Attached directly: XdpVerdictProgram::attach would fill the DEVMAP slot.
  XdpAttachment att = XdpAttachment::attach(prog.prog_fd(), sb.veth().ifindex_b(), XdpMode::kNative);

  core::UniqueFd pkt(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(pkt) << "AF_PACKET socket";
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = sb.veth().ifindex_a();
  to.sll_halen = 6;
  std::copy(test::kDutMac.begin(), test::kDutMac.end(), to.sll_addr);
  constexpr int kFrames = 100;
  for (int i = 0; i < kFrames; ++i) {
    std::vector<uint8_t> f = test::tagged_udp_frame(mono_ns(), 128, 0, uint64_t(i));
    ASSERT_EQ(::sendto(pkt.get(), f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),
              ssize_t(f.size()));
  }
  usleep(100000);  // veth delivers through NAPI on another softirq
  XdpVerdictCounts c = prog.read().total;
  probes::XdpEventsReading ev = events.read();
  EXPECT_GE(c.tagged, uint64_t(kFrames));
  EXPECT_EQ(c.aborted, c.packets) << "every frame aborted (link-local IPv6 frames may add to both)";
  EXPECT_EQ(ev.dev(uint32_t(sb.veth().ifindex_b()), ino).exception[XDP_ABORTED], c.aborted);
  EXPECT_EQ(ev.dev(uint32_t(sb.veth().ifindex_a()), ino).exceptions(), 0u) << "filtered out";
  att.detach();
  EXPECT_TRUE(xdp_programs_attached_in(sb.netns_a().fd()).empty());
}

TEST(XdpAttachment, BadIfindexNamesInterfaceAndMode) {
  SKIP_WITHOUT_BPF();
  XdpVerdictProgram prog({.verdict = XdpVerdict::kDrop});
  try {
    XdpAttachment::attach(prog.prog_fd(), 999999, XdpMode::kNative);
    FAIL() << "attach to a missing ifindex succeeded";
  } catch (const std::system_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("ifindex 999999"), std::string::npos) << what;
    EXPECT_NE(what.find("native"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace pb::xdp
