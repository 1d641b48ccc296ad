// compare: the Mann-Whitney U test against known values, and the §4.4 decision rule on
// crafted reports (repetitions, directions, scenarios in one report only, failures in NEW).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "bench/core/errors.h"
#include "reports/compare.h"
#include "reports/compare_render.h"
#include "reports/json.h"
#include "reports/mann_whitney.h"
#include "reports/stats.h"

// The fixture's aggregate initialisers leave Throughput::search to its default on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "tests/unit/report_fixture.h"
#pragma GCC diagnostic pop

namespace pb::reports {
namespace {

// ---- Mann-Whitney U ----

TEST(MannWhitney, ExactFullySeparated) {
  EXPECT_NEAR(mann_whitney_u({1, 2, 3, 4}, {5, 6, 7, 8}).p, 2.0 / 70, 1e-12);
  EXPECT_NEAR(mann_whitney_u({10, 11, 12, 13, 14}, {1, 2, 3, 4, 5}).p, 2.0 / 252, 1e-12);
  EXPECT_NEAR(mann_whitney_u({1, 2, 3}, {4, 5, 6}).p, 0.1, 1e-12);
  MannWhitney r = mann_whitney_u({1, 2, 3, 4}, {5, 6, 7, 8});
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.u1, 0);
  EXPECT_EQ(r.u2, 16);
}

TEST(MannWhitney, ExactInterleaved) {
  // x = {1, 3, 5}, y = {2, 4, 6}: U1 = 3; P(U >= 6) over the 20 arrangements is 7/20.
  MannWhitney r = mann_whitney_u({1, 3, 5}, {2, 4, 6});
  EXPECT_EQ(r.u1, 3);
  EXPECT_NEAR(r.p, 0.7, 1e-12);
  // Identical order of magnitude, symmetric: p = 1 (clipped).
  EXPECT_NEAR(mann_whitney_u({1, 4}, {2, 3}).p, 1.0, 1e-12);
}

TEST(MannWhitney, NormalApproximationWithTies) {
  // x = {1, 2, 2, 3}, y = {2, 3, 4, 5}: ranks 1, 3, 3, 5.5 | 3, 5.5, 7, 8; R1 = 12.5,
  // U1 = 2.5, U2 = 13.5; ties {2 x3, 3 x2}: sum(t^3 - t) = 24 + 6 = 30;
  // var = 16/12 * (9 - 30/56); z = (13.5 - 8 - 0.5) / sqrt(var).
  MannWhitney r = mann_whitney_u({1, 2, 2, 3}, {2, 3, 4, 5});
  EXPECT_FALSE(r.exact);
  EXPECT_DOUBLE_EQ(r.u1, 2.5);
  double var = 16.0 / 12 * (9 - 30.0 / 56);
  double z = (13.5 - 8 - 0.5) / std::sqrt(var);
  EXPECT_NEAR(r.p, std::erfc(z / std::sqrt(2.0)), 1e-12);
  EXPECT_NEAR(r.p, 0.1367, 5e-4);
}

TEST(MannWhitney, LargeSamplesUseTheNormalApproximation) {
  std::vector<double> x, y;
  for (int i = 0; i < 10; ++i) x.push_back(i), y.push_back(i + 100);
  MannWhitney r = mann_whitney_u(x, y);
  EXPECT_FALSE(r.exact);
  double z = (100 - 50 - 0.5) / std::sqrt(100.0 / 12 * 21);
  EXPECT_NEAR(r.p, std::erfc(z / std::sqrt(2.0)), 1e-12);
}

TEST(MannWhitney, AllEqualOrEmptyIsOne) {
  EXPECT_EQ(mann_whitney_u({5, 5, 5, 5, 5}, {5, 5, 5, 5, 5}).p, 1.0);
  EXPECT_EQ(mann_whitney_u({}, {1, 2}).p, 1.0);
}

TEST(MannWhitney, MinP) {
  EXPECT_NEAR(min_p(2, 2), 1.0 / 3, 1e-12);
  EXPECT_NEAR(min_p(3, 3), 0.1, 1e-12);
  EXPECT_NEAR(min_p(4, 4), 2.0 / 70, 1e-12);
  EXPECT_NEAR(min_p(3, 5), 2.0 / 56, 1e-12);
  EXPECT_NEAR(min_p(2, 8), 2.0 / 45, 1e-12);
  EXPECT_NEAR(min_p(5, 5), 2.0 / 252, 1e-12);
  EXPECT_EQ(min_p(1, 1), 1.0);
  EXPECT_EQ(min_p(0, 5), 1.0);
  EXPECT_GE(min_p(1, 39), 0.05);  // 2/40: exactly alpha, not below
  EXPECT_LT(min_p(1, 40), 0.05);
}

// ---- the decision rule ----

// A one-scenario report: the fixture's kernel-udp scenario with `metric` repeated as `values`
// (no repetitions block for a single value: the scenario's own rx_pps then).
Report report_with(const std::map<std::string, std::vector<double>>& metrics) {
  Report r = test::fixture_report();
  r.scenarios = {test::fixture_kernel_udp()};
  Scenario& s = r.scenarios.front();
  if (metrics.size() == 1 && metrics.begin()->first == "throughput.rx_pps" && metrics.begin()->second.size() == 1) {
    s.throughput->rx_pps = metrics.begin()->second.front();
    return r;
  }
  Repetitions reps;
  reps.count = unsigned(metrics.begin()->second.size());
  reps.primary = "throughput.rx_pps";
  for (const auto& [name, values] : metrics) reps.metrics[name] = summarize_values(values);
  s.repetitions = reps;
  return r;
}

// n values around `centre`, spread uniformly by +-`spread` (a fraction), seeded.
std::vector<double> noisy(double centre, double spread, unsigned n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> d(-spread, spread);
  std::vector<double> v;
  for (unsigned i = 0; i < n; ++i) v.push_back(centre * (1 + d(gen)));
  return v;
}

const CompareRow& row_of(const CompareResult& r, const std::string& scenario, const std::string& metric) {
  for (const auto& row : r.rows)
    if (row.scenario == scenario && row.metric == metric) return row;
  throw std::runtime_error("no row " + scenario + " " + metric);
}

const std::string kUdp = "kernel-udp/rate=max";

CompareResult compare_rx(const std::vector<double>& base, const std::vector<double>& neu) {
  return compare_reports(report_with({{"throughput.rx_pps", base}}), report_with({{"throughput.rx_pps", neu}}), {});
}

TEST(Compare, ThirtyPercentDropWithNoiseIsAConfirmedRegression) {
  CompareResult r = compare_rx(noisy(1e6, 0.02, 5, 1), noisy(0.7e6, 0.02, 5, 2));
  const CompareRow& row = row_of(r, kUdp, "throughput.rx_pps");
  EXPECT_EQ(row.verdict, kVerdictRegression);
  EXPECT_TRUE(row.confirmed);
  EXPECT_TRUE(row.gated);
  EXPECT_NEAR(*row.p_value, 2.0 / 252, 1e-12);
  EXPECT_NEAR(*row.change, -0.3, 0.05);
  EXPECT_EQ(row.n_base, 5u);
  EXPECT_EQ(row.n_new, 5u);
  EXPECT_TRUE(r.regression);
  EXPECT_EQ(r.regressions, 1u);
  EXPECT_EQ(verdict_label(row), "regression");
}

TEST(Compare, ThreePercentChangeIsSame) {
  // Separated samples (p small) but within the threshold: same.
  CompareResult r = compare_rx({100, 100.5, 101, 101.5, 102}, {97, 97.5, 98, 98.5, 99});
  const CompareRow& row = row_of(r, kUdp, "throughput.rx_pps");
  EXPECT_EQ(row.verdict, kVerdictSame);
  EXPECT_LT(*row.p_value, 0.05);
  EXPECT_FALSE(r.regression);
}

TEST(Compare, ExactlyTheThresholdIsSame) {
  CompareResult r = compare_rx({100}, {95});
  EXPECT_EQ(row_of(r, kUdp, "throughput.rx_pps").verdict, kVerdictSame);
}

TEST(Compare, NoiseAloneIsNotARegression) {
  // Two draws of the same +-10 % distribution, overlapping; medians may differ by > 5 %.
  for (unsigned seed = 0; seed < 20; ++seed) {
    CompareResult r = compare_rx(noisy(1e6, 0.1, 5, 100 + seed), noisy(1e6, 0.1, 5, 200 + seed));
    const CompareRow& row = row_of(r, kUdp, "throughput.rx_pps");
    EXPECT_NE(row.verdict, kVerdictRegression) << "seed " << seed << " p " << *row.p_value;
    if (std::fabs(*row.change) > 0.05) {
      EXPECT_EQ(row.verdict, kVerdictNoise) << "seed " << seed << " change " << *row.change << " p " << *row.p_value << " " << row.base_values.size();
    }
  }
  // Explicitly overlapping and beyond the threshold: noise, shown, not gating.
  CompareResult r = compare_rx({100, 80, 120, 90, 110}, {93, 70, 115, 85, 104});
  const CompareRow& row = row_of(r, kUdp, "throughput.rx_pps");
  EXPECT_EQ(row.verdict, kVerdictNoise);
  EXPECT_GE(*row.p_value, 0.05);
  EXPECT_FALSE(r.regression);
}

TEST(Compare, OneVersusOneIsAnUnconfirmedRegression) {
  CompareResult r = compare_rx({1e6}, {0.9e6});
  const CompareRow& row = row_of(r, kUdp, "throughput.rx_pps");
  EXPECT_EQ(row.verdict, kVerdictRegression);
  EXPECT_FALSE(row.confirmed);
  EXPECT_FALSE(row.p_value.has_value());
  EXPECT_EQ(row.note, "noise not assessed: 1 vs 1 repetitions");
  EXPECT_EQ(verdict_label(row), "regression (unconfirmed)");
  EXPECT_TRUE(r.regression);  // unconfirmed still fails the gate
}

TEST(Compare, ThreeVersusThreeCannotConfirm) {
  CompareResult r = compare_rx({100, 101, 102}, {50, 51, 52});
  const CompareRow& row = row_of(r, kUdp, "throughput.rx_pps");
  EXPECT_EQ(row.verdict, kVerdictRegression);
  EXPECT_FALSE(row.confirmed);
  EXPECT_FALSE(row.p_value.has_value());
  EXPECT_EQ(row.note, "noise not assessed: 3 vs 3 repetitions");
  // 4 vs 4 can: min p 0.029 < 0.05.
  CompareResult four = compare_rx({100, 101, 102, 103}, {50, 51, 52, 53});
  EXPECT_TRUE(row_of(four, kUdp, "throughput.rx_pps").confirmed);
  // Unless alpha is below the smallest p.
  CompareOptions strict;
  strict.alpha = 0.01;
  CompareResult s = compare_reports(report_with({{"throughput.rx_pps", {100, 101, 102, 103}}}),
                                    report_with({{"throughput.rx_pps", {50, 51, 52, 53}}}), strict);
  EXPECT_FALSE(row_of(s, kUdp, "throughput.rx_pps").confirmed);
}

TEST(Compare, ImprovementPasses) {
  CompareResult r = compare_rx(noisy(1e6, 0.02, 5, 3), noisy(1.3e6, 0.02, 5, 4));
  const CompareRow& row = row_of(r, kUdp, "throughput.rx_pps");
  EXPECT_EQ(row.verdict, kVerdictImprovement);
  EXPECT_TRUE(row.confirmed);
  EXPECT_FALSE(r.regression);
  EXPECT_EQ(r.improvements, 1u);
  CompareResult one = compare_rx({1e6}, {1.2e6});
  EXPECT_EQ(verdict_label(row_of(one, kUdp, "throughput.rx_pps")), "improvement (unconfirmed)");
  EXPECT_FALSE(one.regression);
}

TEST(Compare, LatencyUpIsWorse) {
  auto p99_base = noisy(2000, 0.02, 5, 5), p99_new = noisy(3000, 0.02, 5, 6);
  auto rx = noisy(1e6, 0.001, 5, 7);
  CompareResult r = compare_reports(report_with({{"throughput.rx_pps", rx}, {"latency.p99", p99_base},
                                                 {"latency_at_fraction.0.5.p99", p99_base}}),
                                    report_with({{"throughput.rx_pps", rx}, {"latency.p99", p99_new},
                                                 {"latency_at_fraction.0.5.p99", p99_new}}),
                                    {});
  const CompareRow& p99 = row_of(r, kUdp, "latency.p99");
  EXPECT_EQ(p99.better, "lower");
  EXPECT_GT(*p99.change, 0.4);
  EXPECT_EQ(p99.verdict, kVerdictRegression);
  EXPECT_FALSE(p99.gated);
  const CompareRow& gated = row_of(r, kUdp, "latency_at_fraction.0.5.p99");
  EXPECT_EQ(gated.verdict, kVerdictRegression);
  EXPECT_TRUE(gated.gated);
  EXPECT_EQ(r.regressions, 1u);  // only the gated one counts
  EXPECT_TRUE(r.regression);
  // And latency down is better.
  CompareResult down = compare_reports(report_with({{"throughput.rx_pps", rx}, {"latency.p99", p99_new}}),
                                       report_with({{"throughput.rx_pps", rx}, {"latency.p99", p99_base}}), {});
  EXPECT_EQ(row_of(down, kUdp, "latency.p99").verdict, kVerdictImprovement);
  EXPECT_FALSE(down.regression);
}

TEST(Compare, NonGatedRegressionDoesNotFailTheGate) {
  auto rx = noisy(1e6, 0.001, 5, 8);
  CompareResult r = compare_reports(report_with({{"throughput.rx_pps", rx}, {"latency.p99", {1000, 1001, 1002, 1003, 1004}}}),
                                    report_with({{"throughput.rx_pps", rx}, {"latency.p99", {2000, 2001, 2002, 2003, 2004}}}), {});
  EXPECT_EQ(row_of(r, kUdp, "latency.p99").verdict, kVerdictRegression);
  EXPECT_FALSE(r.regression);
}

TEST(Compare, RatioMetricsCompareByDifference) {
  auto rx = noisy(1e6, 0.001, 5, 9);
  auto loss = [&](std::vector<double> b, std::vector<double> n) {
    return compare_reports(report_with({{"throughput.rx_pps", rx}, {"throughput.loss_ratio", b}}),
                           report_with({{"throughput.rx_pps", rx}, {"throughput.loss_ratio", n}}), {});
  };
  // 0.001 -> 0.002 is +100 % but 0.1 percentage points: same.
  CompareResult small = loss({0.001, 0.001, 0.001, 0.001, 0.001}, {0.002, 0.002, 0.002, 0.002, 0.002});
  const CompareRow& s = row_of(small, kUdp, "throughput.loss_ratio");
  EXPECT_TRUE(s.by_difference);
  EXPECT_NEAR(*s.difference, 0.001, 1e-15);
  EXPECT_NEAR(s.limit, 0.005, 1e-15);
  EXPECT_EQ(s.verdict, kVerdictSame);
  // 0 -> 2 % loss: a regression (a relative change would have no base to divide by).
  CompareResult big = loss({0, 0, 0, 0, 0}, {0.02, 0.021, 0.019, 0.022, 0.018});
  const CompareRow& b = row_of(big, kUdp, "throughput.loss_ratio");
  EXPECT_EQ(b.verdict, kVerdictRegression);
  EXPECT_TRUE(b.confirmed);
  EXPECT_TRUE(big.regression);
}

TEST(Compare, BaseZeroRelativeChange) {
  auto rx = noisy(1e6, 0.001, 5, 10);
  CompareResult r = compare_reports(report_with({{"throughput.rx_pps", rx}, {"latency.p99", {0, 0, 0, 0, 0}}}),
                                    report_with({{"throughput.rx_pps", rx}, {"latency.p99", {0, 0, 0, 0, 0}}}), {});
  const CompareRow& same = row_of(r, kUdp, "latency.p99");
  EXPECT_EQ(*same.change, 0.0);
  EXPECT_EQ(same.verdict, kVerdictSame);
  EXPECT_EQ(*same.p_value, 1.0);
  CompareResult up = compare_reports(report_with({{"throughput.rx_pps", {0}}}), report_with({{"throughput.rx_pps", {100}}}), {});
  const CompareRow& row = row_of(up, kUdp, "throughput.rx_pps");
  EXPECT_NEAR(*row.change, 2.0, 1e-12);  // divided by the mean of both
  EXPECT_EQ(row.verdict, kVerdictImprovement);
  EXPECT_NE(row.note.find("base 0"), std::string::npos);
}

TEST(Compare, ScenariosInOneReportOnly) {
  Report base = test::fixture_report(), neu = test::fixture_report();
  neu.scenarios.erase(neu.scenarios.begin() + 1);  // xdp-tx gone from NEW
  Scenario extra = test::fixture_kernel_udp();
  extra.name = "kernel-udp/rate=42";
  neu.scenarios.push_back(extra);
  CompareResult r = compare_reports(base, neu, {});
  EXPECT_EQ(r.only_in_base, std::vector<std::string>{"xdp-tx/rate=50000"});
  EXPECT_EQ(r.only_in_new, std::vector<std::string>{"kernel-udp/rate=42"});
  // ok in BASE, absent from NEW: missing, and the gate fails.
  EXPECT_EQ(row_of(r, "xdp-tx/rate=50000", "throughput.rx_pps").verdict, kVerdictMissing);
  EXPECT_EQ(row_of(r, "kernel-udp/rate=42", "throughput.rx_pps").verdict, kVerdictSkipped);
  EXPECT_TRUE(r.regression);
  EXPECT_EQ(r.errors, 3u);  // rx_pps, loss_ratio, unaccounted
  // A skipped scenario only in BASE is listed and does not gate.
  Report base2 = test::fixture_report(), neu2 = test::fixture_report();
  neu2.scenarios.pop_back();  // the skipped xdp-drop
  CompareResult r2 = compare_reports(base2, neu2, {});
  EXPECT_EQ(r2.only_in_base, std::vector<std::string>{"xdp-drop/xdp_mode=generic"});
  EXPECT_FALSE(r2.regression);
}

TEST(Compare, ErrorInNewFailsTheGate) {
  Report base = test::fixture_report(), neu = test::fixture_report();
  Scenario& s = neu.scenarios.front();
  Scenario failed;
  failed.name = s.name;
  failed.path = s.path;
  failed.given = s.given;
  failed.status = kStatusError;
  failed.reason = std::string("sink: recvmmsg: Bad file descriptor");
  s = failed;
  CompareResult r = compare_reports(base, neu, {});
  const CompareRow& row = row_of(r, kUdp, "throughput.rx_pps");
  EXPECT_EQ(row.verdict, kVerdictError);
  EXPECT_NE(row.note.find("recvmmsg"), std::string::npos);
  EXPECT_TRUE(r.regression);
  EXPECT_GT(r.errors, 0u);
}

TEST(Compare, SkippedInNewIsShownNotGated) {
  Report base = test::fixture_report(), neu = test::fixture_report();
  Scenario& s = neu.scenarios[1];
  Scenario skipped;
  skipped.name = s.name;
  skipped.path = s.path;
  skipped.given = s.given;
  skipped.traffic = s.traffic;
  skipped.status = kStatusSkipped;
  skipped.reason = std::string("native XDP unavailable");
  s = skipped;
  CompareResult r = compare_reports(base, neu, {});
  EXPECT_EQ(row_of(r, "xdp-tx/rate=50000", "throughput.rx_pps").verdict, kVerdictSkipped);
  EXPECT_FALSE(r.regression);
}

TEST(Compare, DifferentConfigurationIsNotComparable) {
  Report base = test::fixture_report(), neu = test::fixture_report();
  neu.scenarios.front().given = RawJson{R"({"duration":5,"path":"kernel-udp","rate":"max","queues":4})"};
  CompareResult r = compare_reports(base, neu, {});
  EXPECT_EQ(r.not_comparable, std::vector<std::string>{kUdp});
  const CompareRow& row = row_of(r, kUdp, "configuration");
  EXPECT_EQ(row.verdict, kVerdictSkipped);
  EXPECT_NE(row.note.find("queues (unset) vs 4"), std::string::npos) << row.note;
  EXPECT_EQ(row.note.find("duration"), std::string::npos) << "duration is not configuration: " << row.note;
  EXPECT_FALSE(r.regression);
}

TEST(Compare, NoCommonScenarioIsAUsageError) {
  Report base = test::fixture_report(), neu = test::fixture_report();
  for (auto& s : neu.scenarios) s.name += "-other";
  CompareOptions o;
  o.base_name = "a.json";
  o.new_name = "b.json";
  try {
    compare_reports(base, neu, o);
    FAIL() << "no UsageError";
  } catch (const core::UsageError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("a.json"), std::string::npos) << what;
    EXPECT_NE(what.find("b.json"), std::string::npos) << what;
    EXPECT_NE(what.find("no scenario in common"), std::string::npos) << what;
  }
}

TEST(Compare, HostAndKernelMismatchWarn) {
  Report base = test::fixture_report(), neu = test::fixture_report();
  neu.context.host.cpus = 64;
  neu.context.kernel.release = "6.1.0-13-amd64";
  CompareResult r = compare_reports(base, neu, {});
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find("context.host"), std::string::npos);
  EXPECT_NE(r.warnings[1].find("6.1.0-13-amd64"), std::string::npos);
}

// ---- renderers ----

TEST(CompareRender, JunitShape) {
  Report base = test::fixture_report(), neu = test::fixture_report();
  neu.scenarios.front().throughput->rx_pps = 30000;
  neu.scenarios.front().name = base.scenarios.front().name;
  neu.scenarios[2].name += "<&\"\x01>";  // only in NEW, with characters XML must not carry raw
  CompareResult r = compare_reports(base, neu, {});
  std::string x = render_compare_junit(r);
  EXPECT_NE(x.find("<testsuites name=\"pathbench compare\""), std::string::npos);
  EXPECT_NE(x.find("<failure type=\"regression\" message=\"throughput.rx_pps -39.4 %"), std::string::npos) << x;
  EXPECT_NE(x.find("&lt;&amp;&quot;&gt;"), std::string::npos);
  EXPECT_EQ(x.find('\x01'), std::string::npos);
  EXPECT_NE(x.find("<error type=\"missing\""), std::string::npos);  // afxdp gone from NEW by its rename
  EXPECT_NE(x.find("<skipped message="), std::string::npos);
}

TEST(CompareRender, TextAndMarkdown) {
  CompareResult r = compare_rx({1e6}, {0.9e6});
  std::string t = render_compare_text(r, false);
  EXPECT_NE(t.find("regression (unconfirmed)"), std::string::npos);
  EXPECT_NE(t.find("-10.0 %"), std::string::npos);
  EXPECT_NE(t.find("gate: FAIL"), std::string::npos);
  EXPECT_EQ(t.find('\033'), std::string::npos);
  EXPECT_NE(render_compare_text(r, true).find("\033[31m"), std::string::npos);
  std::string m = render_compare_markdown(r);
  EXPECT_NE(m.find("| scenario | metric |"), std::string::npos);
  EXPECT_NE(m.find("<details>"), std::string::npos);
  EXPECT_LT(m.find("throughput.rx_pps"), m.find("<details>"));  // the regression comes first
}

TEST(CompareRender, JsonHasTheModelFields) {
  CompareResult r = compare_rx({1e6}, {0.9e6});
  std::string j = to_json_text(r);
  for (const char* key : {"\"rows\"", "\"verdict\"", "\"by_difference\"", "\"limit\"", "\"not_comparable\"", "\"errors\""})
    EXPECT_NE(j.find(key), std::string::npos) << key;
}

}  // namespace
}  // namespace pb::reports
