// AfxdpSink on a throwaway netns pair joined by a 2-queue veth: tagged UDP from the TG side
// must be accounted for frame by frame, and the XDP program must be gone afterwards.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <thread>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/host/topology_veth.h"
#include "tests/bpf/rig.h"
#include "xdp/afxdp_sink.h"

namespace pb::xdp {
namespace {

constexpr const char* kDutIf = host::VethTopology::kDutIf;

// True when rtnetlink (IFLA_XDP) lists an XDP program on the DUT link.
bool dut_has_xdp(int netns_fd) {
  for (const XdpAttached& a : xdp_programs_attached_in(netns_fd))
    if (a.ifname == kDutIf) return true;
  return false;
}

std::string af_xdp_unavailable() {
  int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket(AF_XDP): ") + std::strerror(errno);
  close(fd);
  return "";
}

// The project's veth topology with 2 queues: netns pair, static neighbours, IPv6 off, so
// nothing but the generator's frames reaches the DUT.
class AfxdpSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PB_SKIP_IF(test::needs_root("netns, veth, XDP, AF_XDP"));
    if (std::string why = af_xdp_unavailable(); !why.empty()) GTEST_SKIP() << "AF_XDP unavailable: " << why;
    rig_ = std::make_unique<test::Rig>(2, "afx");
  }
  int dut_netns() const { return rig_->dut_netns(); }

  AfxdpSinkConfig sink_config(AfxdpMode mode) const {
    AfxdpSinkConfig c;
    c.netns_fd = dut_netns();
    c.ifname = kDutIf;
    c.queues = 2;
    c.mode = mode;
    c.expected_flows = kFlows;
    return c;
  }

  core::TxResult send(double duration_s, uint64_t rate_pps) const {
    return rig_->send({.flows = kFlows, .rate_pps = rate_pps, .duration_s = duration_s});
  }

  static constexpr unsigned kFlows = 8;
  std::unique_ptr<test::Rig> rig_;
};

TEST_F(AfxdpSinkTest, RxDropLedgerBalances) {
  AfxdpSinkResult r;
  core::TxResult g;
  {
    AfxdpSink sink(sink_config(AfxdpMode::kRxDrop));
    EXPECT_EQ(sink.threads(), std::min(2u, std::thread::hardware_concurrency()));
    sink.start();
    EXPECT_TRUE(dut_has_xdp(dut_netns())) << "the program should be attached while running";
    g = send(1.0, 20000);
    r = sink.stop(true);
  }
  EXPECT_FALSE(dut_has_xdp(dut_netns()));

  ASSERT_GT(g.sent, 0u);
  EXPECT_GT(r.delivered, 0u);
  EXPECT_EQ(r.malformed, 0u);
  // The ledger: every datagram the generator's kernel accepted is delivered or dropped
  // somewhere this sink can count (the program's fallback or the socket's statistics).
  EXPECT_EQ(r.delivered + r.xsk_dropped() + r.fallback, g.sent)
      << "delivered " << r.delivered << " xsk_dropped " << r.xsk_dropped() << " fallback " << r.fallback;
  EXPECT_EQ(r.accounted(), g.sent);
  EXPECT_EQ(r.redirected, r.delivered + r.xsk_dropped());
  ASSERT_EQ(r.per_queue.size(), 2u);
  EXPECT_EQ(std::accumulate(r.per_queue.begin(), r.per_queue.end(), uint64_t(0)), r.delivered);
  EXPECT_EQ(r.latency.count(), r.delivered);
  EXPECT_GT(r.latency.min(), 0u);
  EXPECT_EQ(r.bytes, r.delivered * 128);

  r.set_expected(g.flow_sent());
  uint64_t unique = 0;
  for (const auto& f : r.flows) unique += f.counts.unique;
  EXPECT_EQ(unique + r.lost(), g.sent);

  ASSERT_EQ(r.sockets.size(), 2u);
  for (const AfxdpSocketResult& s : r.sockets) {
    std::cout << "queue " << s.queue << ": " << to_string(s.bind_mode)
              << (s.zerocopy_refused.empty() ? "" : " (zerocopy refused: " + s.zerocopy_refused + ")")
              << " delivered " << s.delivered << " redirected " << s.redirected << " fallback " << s.fallback
              << " rx_dropped " << s.stats.rx_dropped << " rx_ring_full " << s.stats.rx_ring_full
              << " fill_empty " << s.stats.rx_fill_ring_empty_descs << " busy_poll " << s.busy_poll << "\n";
    EXPECT_EQ(s.busy_poll, "off");
    EXPECT_EQ(s.tx, 0u);
  }
  std::cout << "sent " << g.sent << " delivered " << r.delivered << " p50 " << r.latency.percentile(50) << " ns\n";
}

TEST_F(AfxdpSinkTest, L2FwdSendsBack) {
  AfxdpSinkResult r;
  core::TxResult g;
  {
    AfxdpSink sink(sink_config(AfxdpMode::kL2Fwd));
    sink.start();
    g = send(0.5, 20000);
    r = sink.stop(true);
  }
  EXPECT_FALSE(dut_has_xdp(dut_netns()));
  ASSERT_GT(g.sent, 0u);
  EXPECT_GT(r.delivered, 0u);
  EXPECT_EQ(r.accounted(), g.sent);
  uint64_t tx_dropped = 0;
  for (const auto& s : r.sockets) tx_dropped += s.tx_dropped;
  EXPECT_EQ(r.tx + tx_dropped, r.delivered + r.malformed);
  EXPECT_EQ(r.completed, r.tx);
  std::cout << "l2fwd: delivered " << r.delivered << " tx " << r.tx << " completed " << r.completed
            << " tx_dropped " << tx_dropped << "\n";
}

TEST_F(AfxdpSinkTest, GenericModeAndBusyPoll) {
  AfxdpSinkConfig c = sink_config(AfxdpMode::kRxDrop);
  c.xdp_mode = XdpMode::kGeneric;
  c.busy_poll = true;
  AfxdpSinkResult r;
  core::TxResult g;
  {
    AfxdpSink sink(c);
    sink.start();
    EXPECT_TRUE(dut_has_xdp(dut_netns()));
    g = send(0.5, 20000);
    r = sink.stop(true);
  }
  EXPECT_FALSE(dut_has_xdp(dut_netns()));
  EXPECT_GT(r.delivered, 0u);
  EXPECT_EQ(r.accounted(), g.sent);
  for (const AfxdpSocketResult& s : r.sockets) {
    EXPECT_TRUE(s.busy_poll == "on" || s.busy_poll.rfind("refused", 0) == 0) << s.busy_poll;
    std::cout << "generic queue " << s.queue << ": delivered " << s.delivered << " busy_poll " << s.busy_poll << "\n";
  }
}

TEST(AfxdpSinkConfigTest, RejectsBadValues) {
  AfxdpSinkConfig c;
  c.ifname = "x";
  c.frame_size = 1000;
  EXPECT_THROW(AfxdpSink{c}, core::UsageError);
  c.frame_size = 2048;
  c.rx_size = 1000;
  EXPECT_THROW(AfxdpSink{c}, core::UsageError);
  c.rx_size = 2048;
  c.queues = 0;
  EXPECT_THROW(AfxdpSink{c}, core::UsageError);
  c.queues = 1;
  c.frames = 1024;
  EXPECT_THROW(AfxdpSink{c}, core::UsageError);
}

}  // namespace
}  // namespace pb::xdp
