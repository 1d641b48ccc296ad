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

  static void expect_monotone_latency(const nlohmann::json& lat) {
    EXPECT_EQ(lat["unit"], "ns");
    EXPECT_GT(lat["p50"].get<uint64_t>(), 0u);
    EXPECT_LE(lat["min"].get<uint64_t>(), lat["p50"].get<uint64_t>());
    EXPECT_LE(lat["p50"].get<uint64_t>(), lat["p90"].get<uint64_t>());
    EXPECT_LE(lat["p90"].get<uint64_t>(), lat["p99"].get<uint64_t>());
    EXPECT_LE(lat["p99"].get<uint64_t>(), lat["p999"].get<uint64_t>());
    EXPECT_LE(lat["p999"].get<uint64_t>(), lat["max"].get<uint64_t>());
  }

  std::unique_ptr<host::RunState> state_;
  std::unique_ptr<host::VethTopology> topo_;
};

TEST_F(TcpPathTest, StreamTwoFlows) {
  const size_t fds_before = open_fds();
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kStream});
  for (int trial = 0; trial < 2; ++trial) {  // the second trial re-listens on the same port
    nlohmann::json t = path.run_trial(request(1.0, 2));
    const nlohmann::json& tcp = t["tcp"];
    double gbps = tcp["throughput_bps"].get<double>() / 1e9;
    std::cout << "[stream] trial " << trial << ": " << gbps << " Gbit/s, " << t["bytes_received"] << " bytes, "
              << t["delivered"] << " DUT rx packets, ledger " << t["ledger"].dump() << "\n  kernel "
              << t["kernel"].dump() << "\n";
    EXPECT_GT(gbps, 0.0);
    EXPECT_GT(t["bytes_received"].get<uint64_t>(), 0u);
    // The servers read to EOF: every byte the clients wrote was counted.
    EXPECT_EQ(t["bytes_received"], t["bytes_sent"]);
    EXPECT_EQ(tcp["bytes"], t["bytes_received"]);
    EXPECT_GT(t["kernel"]["dut_link_rx_packets"].get<uint64_t>(), 0u);
    EXPECT_EQ(t["delivered"], t["kernel"]["dut_link_rx_packets"]);
    EXPECT_EQ(t["sent"], t["kernel"]["tg_link_tx_packets"].get<uint64_t>() + t["kernel"]["tg_link_tx_dropped"].get<uint64_t>());
    int64_t unaccounted = t["ledger"]["unaccounted"].get<int64_t>();
    EXPECT_LE(std::abs(unaccounted) * 1000, t["ledger"]["sent"].get<int64_t>()) << t["ledger"].dump();
    EXPECT_EQ(t["latency"]["count"], 0u);
    ASSERT_EQ(tcp["connections"].size(), 2u) << tcp.dump();
    for (const auto& c : tcp["connections"]) {
      std::cout << "  conn " << c["sport"] << ": rtt " << c["rtt_us"] << " us, cwnd " << c["snd_cwnd"]
                << ", retrans " << c["total_retrans"] << ", delivery_rate " << c["delivery_rate_Bps"]
                << " B/s, bytes_acked " << c["bytes_acked"] << ", skmem " << c["skmem"].dump() << "\n";
      EXPECT_GT(c["rtt_us"].get<uint64_t>(), 0u);
      EXPECT_GT(c["snd_cwnd"].get<uint64_t>(), 0u);
      EXPECT_EQ(c["dport"], 5001);
      EXPECT_GT(c["bytes_acked"].get<uint64_t>(), 0u);
    }
  }
  nlohmann::json s = path.sections();
  EXPECT_EQ(s["tcp"]["trials"], 2u);
  EXPECT_GT(s["tcp"]["throughput_bps"].get<double>(), 0.0);
  EXPECT_TRUE(s["drops"]["by_reason"].is_array());
  EXPECT_EQ(s["probes"]["overhead"]["measured"], false);
  EXPECT_EQ(path.describe()["tcp_mode"], "stream");
  EXPECT_EQ(path.describe()["message_size"], 65536u);
  EXPECT_EQ(open_fds(), fds_before);  // every socket of the trials is closed
}

TEST_F(TcpPathTest, RequestResponseTwoFlows) {
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kRr});
  nlohmann::json t = path.run_trial(request(1.0, 2));
  const nlohmann::json& tcp = t["tcp"];
  const nlohmann::json& lat = t["latency"];
  std::cout << "[rr] " << tcp["tps"] << " tps, " << tcp["transactions"] << " transactions, p50 " << lat["p50"]
            << " ns, p99 " << lat["p99"] << " ns, ledger " << t["ledger"].dump() << "\n";
  EXPECT_GT(tcp["transactions"].get<uint64_t>(), 100u);
  EXPECT_EQ(lat["count"], tcp["transactions"]);
  EXPECT_EQ(t["delivered"], tcp["transactions"]);
  EXPECT_EQ(t["sent"], t["delivered"]);  // the transaction in flight at the deadline is finished
  EXPECT_EQ(tcp["tag_mismatches"], 0u);
  expect_monotone_latency(lat);
  ASSERT_EQ(tcp["connections"].size(), 2u);
  for (const auto& c : tcp["connections"]) {
    EXPECT_GT(c["rtt_us"].get<uint64_t>(), 0u);
    EXPECT_GT(c["snd_cwnd"].get<uint64_t>(), 0u);
  }
  nlohmann::json s = path.sections();
  EXPECT_EQ(s["latency"]["count"], tcp["transactions"]);
  EXPECT_EQ(s["tcp"]["transactions"], tcp["transactions"]);
}

TEST_F(TcpPathTest, PacedRequestResponseHoldsTheRate) {
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kRr});
  nlohmann::json t = path.run_trial(request(1.0, 2, 1000));
  double tps = t["tcp"]["tps"].get<double>();
  std::cout << "[rr paced 1000] " << tps << " tps, p50 " << t["latency"]["p50"] << " ns, p99 "
            << t["latency"]["p99"] << " ns\n";
  EXPECT_NEAR(tps, 1000.0, 50.0);
  EXPECT_EQ(t["latency"]["count"], t["tcp"]["transactions"]);
  expect_monotone_latency(t["latency"]);
}

TEST_F(TcpPathTest, StopFlagEndsTheTrialEarly) {
  TcpPath path(*topo_, TcpPathConfig{TcpMode::kStream});
  std::atomic<bool> stop{true};
  core::TrialRequest req = request(30.0, 1);
  req.stop = &stop;
  nlohmann::json t = path.run_trial(req);
  EXPECT_LT(t["duration_s"].get<double>(), 5.0);
  EXPECT_EQ(t["bytes_received"], t["bytes_sent"]);
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
  EXPECT_TRUE(socks[0].has_skmem);
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

TEST(TcpPathConfig, RejectsBadInput) {
  EXPECT_THROW(parse_tcp_mode("bulk"), core::UsageError);
  EXPECT_EQ(parse_tcp_mode("rr"), TcpMode::kRr);
}

}  // namespace
}  // namespace pb::paths
