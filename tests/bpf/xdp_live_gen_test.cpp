// xdp_live_gen: the stamper under plain BPF_PROG_RUN (flow, seq, port, tx_ns), then a real
// live-frames run through a throwaway veth pair whose DUT end drops everything in XDP.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "bench/core/rtnl.h"
#include "bench/core/clock.h"
#include "bench/core/netns.h"
#include "bench/core/payload.h"
#include "bench/core/unique_fd.h"
#include "bench/core/frame.h"
#include "tests/bpf/rig.h"
#include "xdp/live_generator.h"

namespace pb::xdp {
namespace {

// Why a test cannot load its XDP programs here, or empty.
std::string bpf_unavailable() { return test::needs_root("CAP_BPF, CAP_NET_ADMIN"); }

pb_payload tag_of(const uint8_t* frame) {
  pb_payload t;
  std::memcpy(&t, frame + core::kFramePayloadOffset, sizeof(t));
  return t;
}

uint16_t src_port_of(const uint8_t* frame) {
  return uint16_t(frame[core::kFrameSrcPortOffset] << 8 | frame[core::kFrameSrcPortOffset + 1]);
}

// Runs `fn` on a thread pinned to `cpu`: the program keeps per-CPU state.
template <typename Fn>
void on_cpu(int cpu, Fn&& fn) {
  std::exception_ptr err;
  std::thread t([&] {
    try {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof(set), &set), 0);
      fn();
    } catch (...) {
      err = std::current_exception();
    }
  });
  t.join();
  if (err) std::rethrow_exception(err);
}

struct TestRun {
  uint32_t retval = 0;
  std::vector<uint8_t> out;
};

TestRun run_once(const LiveGenProgram& prog, const std::vector<uint8_t>& frame) {
  TestRun r;
  r.out.assign(frame.size() + 64, 0);
  LIBBPF_OPTS(bpf_test_run_opts, opts);
  opts.data_in = frame.data();
  opts.data_size_in = uint32_t(frame.size());
  opts.data_out = r.out.data();
  opts.data_size_out = uint32_t(r.out.size());
  opts.repeat = 1;
  if (bpf_prog_test_run_opts(prog.prog_fd(), &opts) != 0) throw std::system_error(errno, std::generic_category(), "test run");
  r.retval = opts.retval;
  r.out.resize(opts.data_size_out);
  return r;
}

core::FrameSpec test_spec() {
  core::FrameSpec s;
  s.src_mac = {0x02, 0, 0, 0, 0, 1};
  s.dst_mac = {0x02, 0, 0, 0, 0, 2};
  s.frame_size = 128;
  return s;
}

TEST(XdpLiveGen, StampsFlowSeqPortAndTime) {
  PB_SKIP_IF(bpf_unavailable());
  constexpr unsigned kFlows = 3;
  LiveGenProgram prog(kFlows, 10000);
  prog.reset({0});  // one thread, on CPU 0: owns every flow
  std::vector<uint8_t> frame = core::build_udp_frame(test_spec(), 0);
  on_cpu(0, [&] {
    for (unsigned i = 0; i < 2 * kFlows + 1; ++i) {
      uint64_t before = core::mono_ns();
      TestRun r = run_once(prog, frame);
      uint64_t after = core::mono_ns();
      ASSERT_EQ(r.retval, uint32_t(XDP_TX));
      ASSERT_EQ(r.out.size(), frame.size());
      pb_payload t = tag_of(r.out.data());
      EXPECT_EQ(t.magic, PB_PAYLOAD_MAGIC);
      EXPECT_EQ(t.flow, i % kFlows);
      EXPECT_EQ(t.seq, i / kFlows);
      EXPECT_GE(t.tx_ns, before);
      EXPECT_LE(t.tx_ns, after);
      EXPECT_EQ(src_port_of(r.out.data()), 10000 + i % kFlows);
      // Nothing but the port and the tag changes.
      EXPECT_EQ(std::memcmp(r.out.data(), frame.data(), core::kFrameSrcPortOffset), 0);
      EXPECT_EQ(std::memcmp(r.out.data() + core::kFrameSrcPortOffset + 2, frame.data() + core::kFrameSrcPortOffset + 2,
                            core::kFramePayloadOffset - core::kFrameSrcPortOffset - 2),
                0);
      EXPECT_EQ(std::memcmp(r.out.data() + core::kMinFrameSize, frame.data() + core::kMinFrameSize,
                            frame.size() - core::kMinFrameSize),
                0);
    }
  });
  LiveGenProgram::Counts c = prog.read();
  EXPECT_EQ(c.stamped, 2 * kFlows + 1);
  EXPECT_EQ(c.rejected, 0u);
  EXPECT_EQ(c.next_seq, (std::vector<uint64_t>{3, 2, 2}));
}

TEST(XdpLiveGen, ThreadsOwnDisjointFlows) {
  PB_SKIP_IF(bpf_unavailable());
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs 2 CPUs";
  LiveGenProgram prog(5, 10000);
  prog.reset({0, 1});  // CPU 0 owns flows 0, 2, 4; CPU 1 owns 1, 3
  std::vector<uint8_t> frame = core::build_udp_frame(test_spec(), 0);
  std::vector<uint32_t> flows0, flows1;
  on_cpu(1, [&] {
    for (int i = 0; i < 3; ++i) flows1.push_back(tag_of(run_once(prog, frame).out.data()).flow);
  });
  on_cpu(0, [&] {
    for (int i = 0; i < 4; ++i) flows0.push_back(tag_of(run_once(prog, frame).out.data()).flow);
  });
  EXPECT_EQ(flows0, (std::vector<uint32_t>{0, 2, 4, 0}));
  EXPECT_EQ(flows1, (std::vector<uint32_t>{1, 3, 1}));
  EXPECT_EQ(prog.read().next_seq, (std::vector<uint64_t>{2, 2, 1, 1, 1}));
}

TEST(XdpLiveGen, InactiveCpuDrops) {
  PB_SKIP_IF(bpf_unavailable());
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "needs 2 CPUs";
  LiveGenProgram prog(2, 10000);
  prog.reset({0});
  std::vector<uint8_t> frame = core::build_udp_frame(test_spec(), 0);
  on_cpu(1, [&] { EXPECT_EQ(run_once(prog, frame).retval, uint32_t(XDP_DROP)); });
  LiveGenProgram::Counts c = prog.read();
  EXPECT_EQ(c.stamped, 0u);
  EXPECT_EQ(c.rejected, 1u);
}

// An XDP program that returns XDP_DROP: r0 = 1; exit.
core::UniqueFd load_xdp_drop() {
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP},
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
  };
  core::UniqueFd fd(bpf_prog_load(BPF_PROG_TYPE_XDP, "pbt_xdp_drop", "GPL", insns, 2, nullptr));
  if (!fd) throw std::system_error(errno, std::generic_category(), "load XDP_DROP");
  return fd;
}

TEST(XdpLiveGen, LiveRunReachesDutEnd) {
  PB_SKIP_IF(bpf_unavailable());
  std::optional<test::Sandbox> sb;
  try {
    sb.emplace(test::SandboxConfig{.family = "xlg",
                                   .topic = "",
                                   .a = {"pbt-tg0", -1, "198.18.0.1/30"},
                                   .b = {"pbt-dut0", -1, "198.18.0.2/30"},
                                   .queues = 2,
                                   .two_netns = true});
  } catch (const test::NetnsUnavailable& e) {
    GTEST_SKIP() << "cannot create a netns here: " << e.what();
  }
  const core::ScopedNetns& tg_ns = sb->netns_a();
  const core::ScopedNetns& dut_ns = sb->netns_b();
  const core::VethPair& veth = sb->veth();

  // XDP_DROP on the DUT end, through a link (detached when the fd closes).
  core::UniqueFd drop = load_xdp_drop();
  core::UniqueFd link;
  {
    core::NetnsGuard in_dut(dut_ns.fd());
    link.reset(bpf_link_create(drop.get(), veth.ifindex_b(), BPF_XDP, nullptr));
    ASSERT_TRUE(link) << "attach XDP_DROP to pbt-dut0: " << std::strerror(errno);
  }

  LiveGeneratorConfig cfg;
  cfg.netns_fd = tg_ns.fd();
  cfg.ifname = "pbt-tg0";
  cfg.frame = test_spec();
  cfg.frame.src_mac = core::link_mac("pbt-tg0", tg_ns.fd());
  cfg.frame.dst_mac = core::link_mac("pbt-dut0", dut_ns.fd());
  cfg.flows = 4;
  cfg.duration_s = 1.0;
  LiveGenerator gen(cfg);
  std::atomic<bool> stop{false};
  LiveGeneratorResult r;
  try {
    r = gen.run_detailed(stop);
  } catch (const std::system_error& e) {
    if (e.code().value() == EOPNOTSUPP || e.code().value() == EINVAL)
      GTEST_SKIP() << "no BPF_F_TEST_XDP_LIVE_FRAMES here: " << e.what();
    throw;
  }
  ASSERT_TRUE(r.link_counters);
  EXPECT_EQ(r.sent_source, "link:tx_packets");
  EXPECT_GT(r.stamped, 0u);
  EXPECT_EQ(r.rejected, 0u);
  EXPECT_GT(r.link_tx_packets, 0u);
  // Every stamped frame is either taken by the DUT end or counted as refused; the kernel
  // adds a few frames of its own (IPv6 router solicitations) on a fresh link.
  EXPECT_GE(r.link_tx_packets + r.link_tx_dropped, r.stamped);
  EXPECT_LE(r.link_tx_packets + r.link_tx_dropped, r.stamped + 20);
  EXPECT_GE(double(r.link_tx_packets), 0.99 * double(r.stamped));
  EXPECT_EQ(r.tx.sent, r.link_tx_packets);
  uint64_t per_flow = 0;
  for (const auto& f : r.tx.flows) {
    EXPECT_GT(f.sent, 0u);
    per_flow += f.sent;
  }
  EXPECT_EQ(per_flow, r.stamped);
  EXPECT_NEAR(r.tx.elapsed_s, 1.0, 0.05);
  std::printf("live run: %u CPUs, %lu stamped, %lu tx_packets, %lu tx_dropped, %.2f Mpps\n",
              unsigned(r.cpus.size()), (unsigned long)r.stamped, (unsigned long)r.link_tx_packets,
              (unsigned long)r.link_tx_dropped, r.tx.achieved_pps / 1e6);
}

}  // namespace
}  // namespace pb::xdp
