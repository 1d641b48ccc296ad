// The packet trial loop (bench/paths/packet_path.h) on fakes: what it writes into the ledger,
// where a TG qdisc drop goes, which probe drops the receiver already counts, the kernel
// counters it falls back to without kfree_skb, and the with/without pairs of the overhead.
#include "bench/paths/packet_path.h"

#include <gtest/gtest.h>

#include "tests/unit/fakes.h"

namespace pb::paths {
namespace {

using fakes::FakeProbes;
using fakes::FakeReceiver;
using fakes::FakeTopology;

class PacketPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fakes::generator_script() = {};
    fakes::generator_script().tx.sent = 1000;
    fakes::generator_script().tx.elapsed_s = 1.0;
  }

  // The path over the fakes; `receiver` stays owned by the path, `rx_` points at it.
  std::unique_ptr<PacketPath> make_path() {
    auto receiver = std::make_unique<FakeReceiver>();
    rx_ = receiver.get();
    rx_->lose = 100;
    return std::make_unique<PacketPath>(topo_, fakes::kFakeGenerator, topo_.endpoints(), std::move(receiver), probes_);
  }

  core::TrialRequest request() const { return {0, 1.0, 66, 8, nullptr, {}}; }

  FakeTopology topo_;
  FakeProbes probes_;
  FakeReceiver* rx_ = nullptr;
};

// sent = delivered + attributed + unaccounted, from the receiver's and the probes' drops;
// a TG qdisc drop was never sent (unsent); a drop the receiver counts is not counted again.
TEST_F(PacketPathTest, LedgerFromReceiverAndProbeDrops) {
  probes_.drops = {{"dut", "NO_SOCKET", "__udp4_lib_rcv+0x1", 40},
                   {"dut", "XDP_OWN", "veth_xdp_rcv_skb+0x2", 25},
                   {"tg", "QDISC_DROP", "tbf", 20}};
  auto path = make_path();
  rx_->rx.drops = {{"dut", "XDP_DROP", "xdp_verdict", 30}};
  rx_->accounted = {"XDP_OWN"};
  reports::Trial t = path->run_trial(request());

  EXPECT_EQ(t.ledger.sent, 1000u);
  EXPECT_EQ(t.ledger.delivered, 900u);
  EXPECT_EQ(t.ledger.attributed, 70u);  // 40 NO_SOCKET + 30 XDP_DROP, not the accounted 25
  EXPECT_EQ(t.ledger.unaccounted, 30);
  EXPECT_EQ(t.ledger.source, "receiver+kfree_skb");
  ASSERT_EQ(t.drops.size(), 2u);
  EXPECT_EQ(t.drops[0], (reports::DropRow{"dut", "NO_SOCKET", "__udp4_lib_rcv+0x1", 40}));
  EXPECT_EQ(t.drops[1], (reports::DropRow{"dut", "XDP_DROP", "xdp_verdict", 30}));
  ASSERT_TRUE(t.unsent.has_value());
  ASSERT_EQ(t.unsent->size(), 1u);
  EXPECT_EQ((*t.unsent)[0], (reports::DropRow{"tg", "QDISC_DROP", "tbf", 20}));
  EXPECT_EQ(rx_->begun, 1u);
  EXPECT_EQ(rx_->ended, 1u);

  // The scenario: its throughput is its ledger, over both trials.
  path->run_trial(request());
  reports::Scenario s;
  path->finish(s);
  ASSERT_TRUE(s.throughput && s.drops);
  EXPECT_EQ(s.throughput->sent, 2000u);
  EXPECT_EQ(s.throughput->sent, s.drops->ledger.sent);
  EXPECT_EQ(s.throughput->delivered, s.drops->ledger.delivered);
  EXPECT_EQ(s.drops->ledger.attributed, 140u);
  ASSERT_TRUE(s.drops->unsent.has_value());
  EXPECT_EQ((*s.drops->unsent)[0].count, 40u);
  ASSERT_TRUE(s.probes.has_value());
  EXPECT_EQ(s.probes->active, (std::vector<std::string>{"drops:fake", "fake:receiver"}));
}

// Without kfree_skb, the drops come from what the UDP layer and the veth counted.
TEST_F(PacketPathTest, FallsBackToKernelCountersWithoutKfreeSkb) {
  probes_.saw_kfree_skb = false;
  fakes::set_snmp(topo_.counters.dut, "Udp", "InErrors", 5);
  fakes::set_snmp(topo_.counters.dut, "Udp", "NoPorts", 7);
  fakes::set_snmp(topo_.counters.dut, "Udp", "InDatagrams", 900);
  fakes::set_link(topo_.counters.tg, "pb-tg0", "tx_dropped", 3);
  fakes::set_link(topo_.counters.tg, "pb-tg0", "tx_packets", 997);
  auto path = make_path();
  reports::Trial t = path->run_trial(request());
  EXPECT_EQ(t.ledger.source, "receiver+counters");
  EXPECT_EQ(t.ledger.attributed, 15u);
  EXPECT_EQ(t.ledger.unaccounted, 85);
  EXPECT_EQ(t.kernel.dut_udp_in_datagrams, 900u);
  EXPECT_EQ(t.kernel.tg_link_tx_packets, 997u);
  EXPECT_EQ(t.kernel.udp_attributed, 15u);
  ASSERT_EQ(t.drops.size(), 3u);
  EXPECT_EQ(t.drops[2], (reports::DropRow{"tg", "VETH_TX_DROPPED", "link tx_dropped", 3}));
  EXPECT_EQ(topo_.watches, 1u);  // one watch per trial
}

// The generator keeps off the CPUs the receiver busy-polls on.
TEST_F(PacketPathTest, GeneratorAvoidsPollingCpus) {
  auto path = make_path();
  rx_->polling = {1};
  path->run_trial(request());
  ASSERT_EQ(fakes::generator_script().requests.size(), 1u);
  EXPECT_EQ(fakes::generator_script().requests[0].avoid_cpus, std::vector<int>{1});
}

// Overhead pairs alternate which side runs first, leave the scenario's totals alone, end
// with one run-time-stats trial, and reattach the probes without stats.
TEST_F(PacketPathTest, OverheadPairsAlternateAndLeaveTotals) {
  static FakeProbes* probes = nullptr;
  probes = &probes_;
  // 900 packets while probes are attached, 1000 without: a 10% cost.
  fakes::generator_script().sent_now = [] { return uint64_t(probes->alive ? 900 : 1000); };
  auto path = make_path();
  rx_->lose = 0;
  path->run_trial(request());
  reports::Scenario before;
  path->finish(before);

  std::atomic<bool> stop{false};
  reports::OverheadThroughput o = measure_overhead(*path, request(), 4, stop, "fake");
  ASSERT_EQ(o.pairs.size(), 4u);
  for (const reports::OverheadPair& p : o.pairs) {
    EXPECT_EQ(p.with_probes_pps, 900.0);
    EXPECT_EQ(p.without_probes_pps, 1000.0);
  }
  EXPECT_DOUBLE_EQ(o.ratio, 0.9);
  EXPECT_DOUBLE_EQ(o.cost, 1.0 - 0.9);
  EXPECT_DOUBLE_EQ(o.ratio_of_medians, 0.9);
  // Sessions: the constructor's, then per pair with-first (reuse, reopen) or without-first
  // (reopen after), then the stats session, then the plain one again.
  EXPECT_EQ(probes_.opened, (std::vector<bool>{false, false, false, true, false}));
  EXPECT_EQ(probes_.alive, 1);
  // Trials in order: 1 recorded, 8 paired, 1 with stats.
  EXPECT_EQ(fakes::generator_script().requests.size(), 10u);

  reports::Scenario after;
  path->finish(after);
  EXPECT_EQ(after.throughput, before.throughput);
  EXPECT_EQ(after.drops, before.drops);
  // The stats session's cost is kept: 100 runs over its one trial.
  reports::Nullable<reports::BpfCost> cost = path->probe_cost();
  ASSERT_TRUE(cost.has_value());
  EXPECT_EQ(cost->run_cnt, 100u);
}

// A trial interrupted before anything was sent still balances.
TEST_F(PacketPathTest, NothingSentBalances) {
  fakes::generator_script().tx.sent = 0;
  auto path = make_path();
  rx_->lose = 0;
  reports::Trial t = path->run_trial(request());
  EXPECT_EQ(t.ledger.sent, 0u);
  EXPECT_EQ(t.ledger.unaccounted, 0);
  EXPECT_DOUBLE_EQ(t.loss_ratio, 0.0);
}

}  // namespace
}  // namespace pb::paths
