// The ledger every path writes (bench/paths/ledger.h): trial counts, drop rows split into
// attributed and unsent, and the scenario totals both the ledger and the throughput come from.
#include "bench/paths/ledger.h"

#include <gtest/gtest.h>

namespace pb::paths {
namespace {

TEST(Ledger, TrialCounts) {
  reports::Trial t;
  set_counts(t, 1000, 2.0, reports::kUnitPackets, 100, 90);
  EXPECT_EQ(t.offered_pps, 1000u);
  EXPECT_DOUBLE_EQ(t.loss_ratio, 0.1);
  EXPECT_DOUBLE_EQ(t.rx_pps, 45.0);
  set_counts(t, 0, 1.0, reports::kUnitPackets, 10, 12);  // duplicates: never negative loss
  EXPECT_DOUBLE_EQ(t.loss_ratio, 0.0);
  set_counts(t, 0, 0.0, reports::kUnitPackets, 0, 0);
  EXPECT_DOUBLE_EQ(t.rx_pps, 0.0);
}

TEST(Ledger, DropRowsSplitUnsentFromAttributed) {
  core::DropCounts d{{{"dut", "NO_SOCKET", "here"}, 3},
                     {{"dut", "A", "there"}, 1},
                     {{"dut", "ZERO", "nowhere"}, 0},
                     {{"tg", "QDISC_DROP", "tbf"}, 5}};
  DropRows rows = drop_rows(d);
  ASSERT_EQ(rows.attributed.size(), 2u);
  EXPECT_EQ(rows.attributed[0].reason, "A");  // key order: side, reason, where
  EXPECT_EQ(rows.attributed[1], (reports::DropRow{"dut", "NO_SOCKET", "here", 3}));
  EXPECT_EQ(rows.attributed_total, 4u);
  ASSERT_EQ(rows.unsent.size(), 1u);
  EXPECT_EQ(rows.unsent[0].count, 5u);
  reports::Ledger l = ledger_of(100, 90, rows.attributed_total);
  EXPECT_EQ(l.unaccounted, 6);
  EXPECT_EQ(ledger_of(10, 12, 0).unaccounted, -2);  // counted twice: shown, not hidden
}

reports::Trial packet_trial(uint64_t sent, uint64_t delivered, uint64_t attributed, double seconds) {
  reports::Trial t;
  set_counts(t, 0, seconds, reports::kUnitPackets, sent, delivered);
  t.ledger = ledger_of(sent, delivered, attributed);
  t.drops = {{"dut", "SOCKET_RCVBUFF", "udp_queue_rcv_one_skb+0x1", attributed}};
  t.unsent = std::vector<reports::DropRow>{};
  return t;
}

// A packet path's throughput is its ledger: one computation, so the two always agree.
TEST(ScenarioTotals, PacketThroughputIsTheLedger) {
  ScenarioTotals totals(/*unsent_rows=*/true, /*kernel_seen_rows=*/false);
  core::Histogram lat;
  lat.record(1000);
  totals.add(packet_trial(1000, 900, 90, 1.0), lat);
  totals.add(packet_trial(2000, 1950, 40, 1.0), lat);
  reports::Throughput tp = totals.throughput();
  reports::Drops d = totals.drops();
  EXPECT_EQ(tp.unit, reports::kUnitPackets);
  EXPECT_EQ(tp.sent, d.ledger.sent);
  EXPECT_EQ(tp.delivered, d.ledger.delivered);
  EXPECT_EQ(tp.sent, 3000u);
  EXPECT_EQ(tp.delivered, 2850u);
  EXPECT_DOUBLE_EQ(tp.rx_pps, 1425.0);
  EXPECT_DOUBLE_EQ(tp.loss_ratio, 0.05);
  EXPECT_EQ(d.ledger.attributed, 130u);
  EXPECT_EQ(d.ledger.unaccounted, 20);
  ASSERT_EQ(d.by_reason.size(), 1u);
  EXPECT_EQ(d.by_reason[0].count, 130u);  // summed by (side, reason, where)
  ASSERT_TRUE(d.unsent.has_value());
  EXPECT_TRUE(d.unsent->empty());
  EXPECT_FALSE(d.kernel_seen.has_value());
  EXPECT_EQ(totals.latency().count, 2u);
  EXPECT_EQ(totals.trials(), 2u);
}

// kernel-tcp rr counts transactions (named by the unit) while its ledger counts link packets.
TEST(ScenarioTotals, TransactionsBesideAPacketLedger) {
  ScenarioTotals totals(/*unsent_rows=*/false, /*kernel_seen_rows=*/true);
  reports::Trial t;
  set_counts(t, 0, 2.0, reports::kUnitTransactions, 500, 498);
  t.ledger = ledger_of(1200, 1200, 0);
  t.ledger.unit = reports::kUnitPackets;
  t.kernel_seen_drops = std::vector<reports::DropRow>{{"dut", "TCP_OFOMERGE", "tcp_data_queue+0x10", 2}};
  totals.add(t, core::Histogram{});
  reports::Throughput tp = totals.throughput();
  EXPECT_EQ(tp.unit, reports::kUnitTransactions);
  EXPECT_EQ(tp.sent, 500u);
  EXPECT_EQ(tp.delivered, 498u);
  EXPECT_DOUBLE_EQ(tp.rx_pps, 249.0);
  reports::Drops d = totals.drops();
  EXPECT_EQ(d.ledger.sent, 1200u);
  EXPECT_FALSE(d.unsent.has_value());
  ASSERT_TRUE(d.kernel_seen.has_value());
  EXPECT_EQ(d.kernel_seen->at(0).count, 2u);
}

}  // namespace
}  // namespace pb::paths
