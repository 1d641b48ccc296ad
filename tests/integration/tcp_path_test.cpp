// kernel-tcp path on a real veth topology: stream and request/response trials with
// assertions on the trial records (root: creates network namespaces).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <cmath>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"
#include "bench/host/sock_diag.h"
#include "bench/host/state.h"
#include "bench/paths/tcp_path.h"
#include "bench/host/topology_veth.h"

namespace pb::paths {
namespace {

class TcpPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: creates network namespaces and a veth pair";
    try {
      state_ = std::make_unique<host::RunState>(host::new_run_id());
      host::VethTopologyConfig cfg;
      cfg.queues = 2;
      cfg.suffix = "tcpt" + std::to_string(getpid());
      topo_ = std::make_unique<host::VethTopology>(*state_, cfg);
    } catch (const std::exception& e) {
      GTEST_SKIP() << "cannot build the veth topology here: " << e.what();
    }
  }
  void TearDown() override {
    topo_.reset();
    state_.reset();
  }

  static core::TrialRequest request(double seconds, unsigned flows, uint64_t pps = 0) {
    core::TrialRequest req;
    req.duration_s = seconds;
    req.flows = flows;
    req.offered_pps = pps;
    return req;
  }

  static size_t open_fds() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
  }

  static void expect_monotone_latency(const reports::Latency& lat) {
    EXPECT_GT(lat.p50, 0u);
    EXPECT_LE(lat.min, lat.p50);
    EXPECT_LE(lat.p50, lat.p90);
    EXPECT_LE(lat.p90, lat.p99);
    EXPECT_LE(lat.p99, lat.p999);
    EXPECT_LE(lat.p999, lat.max);
  }

  std::unique_ptr<host::RunState> state_;
  std::unique_ptr<host::VethTopology> topo_;
};

TEST_F(TcpPathTest, StreamTwoFlows) {
  const size_t fds_before = open_fds();
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kStream});
  for (int trial = 0; trial < 2; ++trial) {  // the second trial re-listens on the same port
    reports::Trial t = path.run_trial(request(1.0, 2));
    ASSERT_TRUE(t.tcp.has_value());
    const reports::TcpTrial& tcp = *t.tcp;
    double gbps = tcp.throughput_bps / 1e9;
    std::cout << "[stream] trial " << trial << ": " << gbps << " Gbit/s, " << *t.bytes_received << " bytes, "
              << t.delivered << " DUT rx packets, ledger sent " << t.ledger.sent << " unaccounted "
              << t.ledger.unaccounted << "\n";
    EXPECT_GT(gbps, 0.0);
    EXPECT_GT(*t.bytes_received, 0u);
    // The servers read to EOF: every byte the clients wrote was counted.
    EXPECT_EQ(t.bytes_received, t.bytes_sent);
    EXPECT_EQ(tcp.bytes, *t.bytes_received);
    EXPECT_GT(*t.kernel.dut_link_rx_packets, 0u);
    EXPECT_EQ(t.unit, reports::kUnitPackets);
    EXPECT_EQ(t.delivered, *t.kernel.dut_link_rx_packets);
    EXPECT_EQ(t.sent, *t.kernel.tg_link_tx_packets + *t.kernel.tg_link_tx_dropped);
    EXPECT_LE(std::abs(t.ledger.unaccounted) * 1000, int64_t(t.ledger.sent)) << t.ledger.unaccounted;
    EXPECT_EQ(t.latency.count, 0u);
    ASSERT_EQ(tcp.connections.size(), 2u);
    for (const auto& c : tcp.connections) {
      std::cout << "  conn " << c.sport << ": rtt " << c.rtt_us << " us, cwnd " << c.snd_cwnd << ", retrans "
                << c.total_retrans << ", delivery_rate " << c.delivery_rate_Bps << " B/s, bytes_acked "
                << c.bytes_acked << "\n";
      EXPECT_GT(c.rtt_us, 0u);
      EXPECT_GT(c.snd_cwnd, 0u);
      EXPECT_EQ(c.dport, 5001);
      EXPECT_GT(c.bytes_acked, 0u);
    }
  }
  reports::Scenario s;
  path.finish(s);
  ASSERT_TRUE(s.tcp && s.drops && s.probes);
  EXPECT_EQ(s.tcp->trials, 2u);
  EXPECT_GT(s.tcp->throughput_bps, 0.0);
  EXPECT_FALSE(s.probes->overhead.measured);
  reports::Topology topo;
  path.describe(topo);
  EXPECT_EQ(topo.tcp_mode, "stream");
  EXPECT_EQ(topo.message_size, 65536u);
  EXPECT_EQ(open_fds(), fds_before);  // every socket of the trials is closed
}

TEST_F(TcpPathTest, RequestResponseTwoFlows) {
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kRr});
  reports::Trial t = path.run_trial(request(1.0, 2));
  ASSERT_TRUE(t.tcp.has_value());
  const reports::TcpTrial& tcp = *t.tcp;
  const reports::Latency& lat = t.latency;
  std::cout << "[rr] " << tcp.tps << " tps, " << tcp.transactions << " transactions, p50 " << lat.p50 << " ns, p99 "
            << lat.p99 << " ns, ledger sent " << t.ledger.sent << "\n";
  EXPECT_GT(tcp.transactions, 100u);
  EXPECT_EQ(lat.count, tcp.transactions);
  EXPECT_EQ(t.unit, reports::kUnitTransactions);
  EXPECT_EQ(t.delivered, tcp.transactions);
  EXPECT_EQ(t.sent, t.delivered);  // the transaction in flight at the deadline is finished
  EXPECT_EQ(tcp.tag_mismatches, 0u);
  expect_monotone_latency(lat);
  ASSERT_EQ(tcp.connections.size(), 2u);
  for (const auto& c : tcp.connections) {
    EXPECT_GT(c.rtt_us, 0u);
    EXPECT_GT(c.snd_cwnd, 0u);
  }
  reports::Scenario s;
  path.finish(s);
  EXPECT_EQ(s.latency->count, tcp.transactions);
  EXPECT_EQ(s.tcp->transactions, tcp.transactions);
  EXPECT_EQ(s.throughput->unit, reports::kUnitTransactions);
  EXPECT_EQ(s.throughput->delivered, tcp.transactions);
  EXPECT_EQ(s.drops->ledger.unit, std::nullopt);
  EXPECT_EQ(s.drops->ledger.sent, t.ledger.sent);  // link packets, not transactions
}

TEST_F(TcpPathTest, PacedRequestResponseHoldsTheRate) {
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kRr});
  reports::Trial t = path.run_trial(request(1.0, 2, 1000));
  double tps = t.tcp->tps;
  std::cout << "[rr paced 1000] " << tps << " tps, p50 " << t.latency.p50 << " ns, p99 " << t.latency.p99 << " ns\n";
  EXPECT_NEAR(tps, 1000.0, 50.0);
  EXPECT_EQ(t.latency.count, t.tcp->transactions);
  expect_monotone_latency(t.latency);
}

TEST_F(TcpPathTest, StopFlagEndsTheTrialEarly) {
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kStream});
  std::atomic<bool> stop{true};
  core::TrialRequest req = request(30.0, 1);
  req.stop = &stop;
  reports::Trial t = path.run_trial(req);
  EXPECT_LT(t.duration_s, 5.0);
  EXPECT_EQ(t.bytes_received, t.bytes_sent);
}

TEST_F(TcpPathTest, SockDiagSeesAListenerInItsNetnsOnly) {
  host::TcpSocketFilter f;
  f.sport = 5001;
  EXPECT_TRUE(host::tcp_sockets(topo_->dut_netns(), f).empty());
  core::UniqueFd listener;
  std::thread([&] {
    core::NetnsGuard in(topo_->dut_netns());
    listener.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  }).join();
  ASSERT_TRUE(listener);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(5001);
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&at), sizeof(at)), 0);
  ASSERT_EQ(::listen(listener.get(), 4), 0);
  std::vector<host::TcpSocketInfo> socks = host::tcp_sockets(topo_->dut_netns(), f);
  ASSERT_EQ(socks.size(), 1u);
  EXPECT_EQ(socks[0].state, 10);  // TCP_LISTEN
  EXPECT_EQ(socks[0].sport, 5001);
  EXPECT_GT(socks[0].tcp_info_len, 0u);
  EXPECT_TRUE(socks[0].skmem.has_value());
  EXPECT_FALSE(socks[0].cong.empty());
  EXPECT_TRUE(host::tcp_sockets(topo_->tg_netns(), f).empty());  // the TG netns has its own sockets
}

TEST_F(TcpPathTest, RejectsTooManyFlowsAndHugeMessages) {
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kStream});
  EXPECT_THROW(path.run_trial(request(1.0, TcpPath::kMaxFlows + 1)), core::UsageError);
  TcpPathConfig huge{TcpMode::kRr};
  huge.message_size = (1u << 20) + 1;
  EXPECT_THROW(TcpPath(*topo_, huge), core::UsageError);
}

}  // namespace
}  // namespace pb::paths
