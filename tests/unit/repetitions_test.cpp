// merge_repetitions: the record of a repeated scenario, and the metrics it carries.
#include "reports/repetitions.h"

#include <gtest/gtest.h>

#include "reports/metrics.h"
#include "reports/stats.h"
#include "report_fixture.h"

namespace pb::reports {
namespace {

Scenario run_at(double rx_pps, uint64_t p99) {
  Scenario s = test::fixture_kernel_udp();
  s.throughput->rx_pps = rx_pps;
  s.latency->p99 = p99;
  return s;
}

TEST(Stats, MedianAndMad) {
  EXPECT_DOUBLE_EQ(median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(median({4, 1, 2, 3}), 2.5);
  EXPECT_DOUBLE_EQ(median({}), 0);
  EXPECT_DOUBLE_EQ(mad({1, 2, 3, 4, 100}), 1);  // deviations 2 1 0 1 97
  MetricStats s = summarize_values({5, 1, 3});
  EXPECT_EQ(s.values, (std::vector<double>{5, 1, 3}));  // in repetition order
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mad, 2);
}

TEST(MergeRepetitions, OneRunIsUnchanged) {
  Scenario s = run_at(100, 10);
  EXPECT_EQ(merge_repetitions({s}), s);
}

TEST(MergeRepetitions, MedianRepresentativeAndEveryValue) {
  Scenario merged = merge_repetitions({run_at(100, 30), run_at(300, 10), run_at(200, 20)});
  ASSERT_TRUE(merged.repetitions);
  const Repetitions& r = *merged.repetitions;
  EXPECT_EQ(r.count, 3u);
  EXPECT_EQ(r.primary, "throughput.rx_pps");
  EXPECT_EQ(r.representative, 2u);  // rx 200: the median
  EXPECT_DOUBLE_EQ(merged.throughput->rx_pps, 200);
  EXPECT_EQ(r.metrics.at("throughput.rx_pps").values, (std::vector<double>{100, 300, 200}));
  EXPECT_DOUBLE_EQ(r.metrics.at("latency.p99").median, 20);
  EXPECT_DOUBLE_EQ(r.metrics.at("throughput.rx_pps").mad, 100);
  // Every repetition's trials, tagged.
  size_t per_run = run_at(1, 1).trials->size();
  ASSERT_EQ(merged.trials->size(), 3 * per_run);
  EXPECT_EQ(merged.trials->front().repetition, 0u);
  EXPECT_EQ(merged.trials->back().repetition, 2u);
  // compare and pivots read the values back per repetition.
  EXPECT_EQ(metric_values(merged, "throughput.rx_pps"), (std::vector<double>{100, 300, 200}));
  EXPECT_EQ(metric_values(run_at(7, 1), "throughput.rx_pps"), (std::vector<double>{7}));
}

TEST(MergeRepetitions, FailedRepetitionsAreListedNotCounted) {
  Scenario bad = run_at(0, 0);
  bad.status = kStatusError;
  bad.reason = std::string("veth vanished");
  Scenario merged = merge_repetitions({run_at(100, 1), bad, run_at(110, 1)});
  EXPECT_EQ(merged.status, kStatusOk);
  EXPECT_EQ(merged.repetitions->count, 2u);
  EXPECT_EQ(merged.repetitions->failed, (std::vector<std::string>{"repetition 1: veth vanished"}));
  Scenario none = merge_repetitions({bad, bad});
  EXPECT_EQ(none.status, kStatusError);
  EXPECT_FALSE(none.repetitions);
}

TEST(MergeRepetitions, SearchedScenarioPicksByPdr) {
  Scenario a = run_at(100, 1), b = run_at(50, 1), c = run_at(75, 1);
  a.throughput->pdr_pps = 10.0;
  b.throughput->pdr_pps = 30.0;
  c.throughput->pdr_pps = 20.0;
  Scenario merged = merge_repetitions({a, b, c});
  EXPECT_EQ(merged.repetitions->primary, "throughput.pdr_pps");
  EXPECT_EQ(merged.repetitions->representative, 2u);
}

}  // namespace
}  // namespace pb::reports
