// The renderers beyond the text summary: Markdown, the self-contained HTML with its SVG plots,
// the compare page, and pivots (best cells, ties within noise, unknown keys).
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "reports/html.h"
#include "reports/json.h"
#include "reports/markdown.h"
#include "reports/pivot.h"
#include "reports/stats.h"
#include "reports/svg.h"
#include "tests/unit/report_fixture.h"

namespace pb::reports {
namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++n;
  return n;
}

// The fixture's kernel-udp scenario after an ndr-pdr search, repeated three times.
Scenario searched_repeated() {
  Scenario s = test::fixture_kernel_udp();
  s.name = "kernel-udp/search";
  Search x;
  x.min_load_pps = 10000;
  x.max_load_pps = 100000;
  x.trial_count = 4;
  x.search_time_s = 4.5;
  auto trial = [](const char* role, uint64_t load, double loss) {
    SearchTrial t;
    t.role = role;
    t.offered_pps = load;
    t.loss_ratio = loss;
    t.rx_pps = double(load) * (1 - loss);
    return t;
  };
  x.trials = {trial(kRoleWarmup, 100000, 0.2), trial(kRoleSearch, 80000, 0.1), trial(kRoleSearch, 60000, 0.003),
              trial(kRoleSearch, 50000, 0), trial(kRoleSearch, 55000, 0.001)};
  x.ndr = {0, 50000.0, 55000.0, 50000.0, 0.09, true, {}};
  x.pdr = {0.005, 60000.0, 80000.0, 60000.0, 0.25, false, "width above goal"};
  s.throughput->search = x;
  s.throughput->ndr_pps = 50000.0;
  s.throughput->pdr_pps = 60000.0;
  Repetitions r;
  r.count = 3;
  r.representative = 1;
  r.primary = "throughput.pdr_pps";
  r.metrics["throughput.pdr_pps"] = summarize_values({59000, 60000, 61000});
  r.metrics["throughput.rx_pps"] = summarize_values({49000, 49500, 50500});
  r.metrics["latency.p99"] = summarize_values({2800, 2900, 3100});
  s.repetitions = r;
  return s;
}

TEST(RenderMarkdown, SummaryTableAndLedger) {
  Report report = test::fixture_report();
  report.scenarios.push_back(searched_repeated());
  std::string md = render_markdown(report);
  EXPECT_TRUE(has(md, "# pathbench report\n")) << md;
  EXPECT_TRUE(has(md, "| scenario | status | rx pps | loss | NDR / PDR | p50 / p99 | top drop |\n| --- | --- | ---: |")) << md;
  EXPECT_TRUE(has(md, "| kernel-udp/rate=max | ok | 49.5 kpps | 1.000% | - | 2.1 µs / 2.9 µs | SOCKET_RCVBUFF (0.880%) |")) << md;
  EXPECT_TRUE(has(md, "| xdp-drop/xdp_mode=generic | skipped |")) << md;
  EXPECT_TRUE(has(md, "path 'xdp-drop' is not in this build")) << md;
  // The ledger, its identity, and the reasons behind "attributed".
  EXPECT_TRUE(has(md, "### kernel-udp/rate=max\n")) << md;
  EXPECT_TRUE(has(md, "**Drop ledger** (packets): sent 100,000 = delivered 99,000 + attributed 880 + unaccounted 120\n")) << md;
  EXPECT_TRUE(has(md, "| unaccounted | 120 | 0.120% |")) << md;
  EXPECT_TRUE(has(md, "| SOCKET_RCVBUFF | udp_queue_rcv_one_skb+0x3c | dut | 880 | 0.880% |")) << md;
  // Search bounds and repetitions, only where they exist.
  EXPECT_EQ(count(md, "**Search**"), 1u) << md;
  EXPECT_TRUE(has(md, "| NDR | 0.000% | 50.0 kpps | 55.0 kpps | 50.0 kpps | 9.000% | yes |")) << md;
  EXPECT_TRUE(has(md, "| PDR | 0.500% | 60.0 kpps | 80.0 kpps | 60.0 kpps | 25.000% | no: width above goal |")) << md;
  EXPECT_TRUE(has(md, "| kernel-udp/search | ok | 49.5 kpps | 1.000% | 50.0 kpps / 60.0 kpps |")) << md;
  EXPECT_EQ(count(md, "**Repetitions**: 3"), 1u) << md;
  EXPECT_TRUE(has(md, "| throughput.pdr_pps | 60.0 kpps | 59.0 kpps | 61.0 kpps | 1.0 kpps | 3 |")) << md;
  EXPECT_FALSE(has(md, "## Pivot")) << md;
}

TEST(RenderMarkdown, CellsEscapePipes) {
  Report report = test::fixture_report();
  report.scenarios.back().reason = "a | b <c>";
  std::string md = render_markdown(report);
  EXPECT_TRUE(has(md, "a \\| b &lt;c>")) << md;
}

TEST(RenderHtml, SelfContainedWithPlotsAndTitles) {
  Report report = test::fixture_report();
  report.scenarios.push_back(searched_repeated());
  report.scenarios[0].name = "kernel-udp/<b>&";  // escaped everywhere
  std::string html = render_html(report);
  // To look at the plots a real run rarely has (search, repetitions): PB_RENDER_HTML=FILE
  // (and PB_RENDER_COMPARE_HTML=FILE for the compare page below).
  if (const char* path = std::getenv("PB_RENDER_HTML")) std::ofstream(path) << html;
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(has(html, "</html>\n"));
  // Nothing from anywhere: no URL, no script at all, styles inline.
  EXPECT_FALSE(has(html, "http://"));
  EXPECT_FALSE(has(html, "https://"));
  EXPECT_FALSE(has(html, "<script"));
  EXPECT_FALSE(has(html, "<link"));
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=)")));
  EXPECT_TRUE(has(html, "<style>"));
  // Titles: one h2 per scenario (and the summary), h3 per plot.
  EXPECT_TRUE(has(html, "<h2 id=\"summary\">Summary</h2>"));
  EXPECT_TRUE(has(html, ">kernel-udp/&lt;b&gt;&amp;</h2>")) << "scenario names are escaped";
  EXPECT_FALSE(has(html, "<b>&"));
  EXPECT_EQ(count(html, "<section class=\"scenario\">"), report.scenarios.size());
  for (const char* title : {"<h3>Latency CDF</h3>", "<h3>Per-stage latency (p50 / p99)</h3>", "<h3>Drop ledger</h3>",
                            "<h3>Spread: packets per CPU</h3>", "<h3>Spread: packets per RX queue</h3>",
                            "<h3>Spread: CPU × RX queue</h3>", "<h3>Queue depth over time: socket_rmem</h3>",
                            "<h3>NDR/PDR search: loss against offered load</h3>", "<h3>NDR/PDR search: load per trial</h3>",
                            "<h3>Repetitions: spread around the median</h3>"})
    EXPECT_TRUE(has(html, title)) << title;
  // Exactly one searched and one repeated scenario: their plots appear once each.
  EXPECT_EQ(count(html, "<h3>NDR/PDR search: loss against offered load</h3>"), 1u);
  EXPECT_EQ(count(html, "<h3>Repetitions: spread around the median</h3>"), 1u);
  // Plots are inline SVG with axis labels and units.
  EXPECT_GE(count(html, "<svg class=\"plot\""), 20u);
  EXPECT_EQ(count(html, "<svg"), count(html, "</svg>"));
  for (const char* label : {">latency (µs)</text>", ">fraction of packets (%)</text>", ">offered load (pps)</text>",
                            ">loss (%)</text>", ">time (ms)</text>", ">socket_rmem (bytes)</text>", ">RX queue</text>",
                            ">value / median (%)</text>", ">NDR lower 50.0 kpps</text>", ">PDR upper 80.0 kpps</text>"})
    EXPECT_TRUE(has(html, label)) << label;
  // Log-x ticks of the latency CDF in µs (the fixture's latencies are 2..3.2 µs).
  EXPECT_TRUE(has(html, ">1</text>") && has(html, ">10</text>"));
  // The ledger's parts are bars, the stages' absent one is said.
  EXPECT_TRUE(has(html, "SOCKET_RCVBUFF, sent: 880"));
  EXPECT_TRUE(has(html, "tx_qdisc_sojourn: qdisc noqueue on the TG link"));
  EXPECT_TRUE(has(html, "path &#39;xdp-drop&#39; is not in this build"));
}

TEST(RenderHtml, PivotSection) {
  Report report = test::fixture_report();
  PivotTable t = pivot(report, {"path"});
  std::string html = render_html(report, &t);
  EXPECT_TRUE(has(html, "<h2 id=\"pivot\">Pivot by path</h2>"));
  EXPECT_TRUE(has(html, "class=\"num best\""));
  std::string md = render_markdown(report, &t);
  EXPECT_TRUE(has(md, "## Pivot by path\n\n| path | rx pps |")) << md;
}

// A 2 x 2 sweep of rps_cpus x queues, three repetitions each. rx pps: (3, 2) is best, but
// (0, 2)'s range overlaps it: a tie, no clear winner. p99: (3, 1) is best by a clear margin.
Report sweep() {
  struct Cell {
    const char* rps;
    int queues;
    std::vector<double> rx, p99;
  };
  const std::vector<Cell> cells = {{"0", 1, {100e3, 102e3, 101e3}, {5000, 5100, 5050}},
                                   {"0", 2, {200e3, 205e3, 198e3}, {4000, 4010, 4005}},
                                   {"3", 1, {150e3, 149e3, 151e3}, {3000, 3020, 3010}},
                                   {"3", 2, {203e3, 210e3, 207e3}, {6000, 6100, 6050}}};
  Report r;
  for (const Cell& c : cells) {
    Scenario s;
    s.name = fmt::format("kernel-udp/queues={}/rps_cpus={}", c.queues, c.rps);
    s.path = "kernel-udp";
    s.given = RawJson{nlohmann::json{{"path", "kernel-udp"}, {"rps_cpus", c.rps}, {"queues", c.queues}}.dump()};
    s.throughput = Throughput{};
    Repetitions reps;
    reps.count = 3;
    reps.primary = "throughput.rx_pps";
    reps.metrics["throughput.rx_pps"] = summarize_values(c.rx);
    reps.metrics["latency.p99"] = summarize_values(c.p99);
    reps.metrics["throughput.loss_ratio"] = summarize_values({0, 0, 0});
    s.repetitions = reps;
    r.scenarios.push_back(s);
  }
  Scenario skipped;
  skipped.name = "xdp-drop";
  skipped.path = "xdp-drop";
  skipped.status = kStatusSkipped;
  skipped.given = RawJson{R"({"path": "xdp-drop", "xdp_mode": "generic"})"};
  r.scenarios.push_back(skipped);
  return r;
}

size_t column(const PivotTable& t, const std::string& metric) {
  for (size_t i = 0; i < t.metrics.size(); ++i)
    if (t.metrics[i].name == metric) return i;
  ADD_FAILURE() << "no column " << metric;
  return 0;
}

TEST(Pivot, SweepBestCellsAndTies) {
  PivotTable t = pivot(sweep(), {"rps_cpus", "queues"});
  ASSERT_EQ(t.rows.size(), 4u) << "the skipped scenario is no row";
  EXPECT_EQ(t.keys, (std::vector<std::string>{"rps_cpus", "queues"}));
  EXPECT_EQ(t.rows[0].key_values, (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(t.rows[3].key_values, (std::vector<std::string>{"3", "2"}));
  EXPECT_EQ(t.rows[3].scenarios, (std::vector<std::string>{"kernel-udp/queues=2/rps_cpus=3"}));

  size_t rx = column(t, "throughput.rx_pps"), p99 = column(t, "latency.p99");
  EXPECT_EQ(t.metrics[rx].better, "higher");
  EXPECT_EQ(t.metrics[p99].better, "lower");
  // rx: median and range per cell; (3, 2) best but tied with (0, 2), whose range overlaps.
  EXPECT_EQ(*t.rows[3].cells[rx].value, 207e3);
  EXPECT_EQ(*t.rows[3].cells[rx].low, 203e3);
  EXPECT_EQ(*t.rows[3].cells[rx].high, 210e3);
  EXPECT_TRUE(t.rows[3].cells[rx].best);
  EXPECT_TRUE(t.rows[3].cells[rx].tie) << "the best ties with (0, 2): no clear winner";
  EXPECT_FALSE(t.rows[1].cells[rx].best);
  EXPECT_TRUE(t.rows[1].cells[rx].tie);
  EXPECT_FALSE(t.rows[0].cells[rx].tie);
  EXPECT_FALSE(t.rows[2].cells[rx].tie);
  // p99: (3, 1) clearly best.
  EXPECT_TRUE(t.rows[2].cells[p99].best);
  EXPECT_FALSE(t.rows[2].cells[p99].tie);
  for (size_t i : {0u, 1u, 3u}) EXPECT_FALSE(t.rows[i].cells[p99].best || t.rows[i].cells[p99].tie) << i;
  // No search, no probes: no such columns.
  for (const auto& m : t.metrics) EXPECT_NE(m.name, "throughput.ndr_pps");

  std::string text = render_pivot_text(t);
  EXPECT_TRUE(has(text, "pivot by rps_cpus, queues\n")) << text;
  EXPECT_TRUE(has(text, "207.0 kpps [203.0 kpps–210.0 kpps] *≈")) << text;
  EXPECT_TRUE(has(text, "200.0 kpps [198.0 kpps–205.0 kpps] ≈")) << text;
  // 3000..3020 ns all read "3.0 µs": the range says nothing and is left out.
  EXPECT_TRUE(std::regex_search(text, std::regex("  3\\.0 µs \\*(\\s|$)"))) << text;
  EXPECT_TRUE(has(text, "no clear winner")) << text;

  nlohmann::json j = nlohmann::json::parse(to_json_text(t));
  EXPECT_EQ(j["keys"], nlohmann::json({"rps_cpus", "queues"}));
  EXPECT_EQ(j["rows"][3]["cells"][rx]["best"], true);
  EXPECT_EQ(j["rows"][3]["cells"][rx]["tie"], true);
  EXPECT_EQ(j["rows"][1]["cells"][rx]["tie"], true);
}

TEST(Pivot, OneKeyPoolsTheRowsRepetitions) {
  PivotTable t = pivot(sweep(), {"queues"});
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].key_values, std::vector<std::string>{"1"});
  EXPECT_EQ(t.rows[0].scenarios.size(), 2u);
  size_t rx = column(t, "throughput.rx_pps");
  EXPECT_EQ(*t.rows[0].cells[rx].value, median({100e3, 102e3, 101e3, 150e3, 149e3, 151e3}));
  EXPECT_EQ(*t.rows[0].cells[rx].low, 100e3);
  EXPECT_EQ(*t.rows[0].cells[rx].high, 151e3);
}

TEST(Pivot, WithoutRepetitionsOnePercentIsATie) {
  Report r;
  for (auto [rate, rx] : {std::pair{"a", 1000.0}, std::pair{"b", 995.0}, std::pair{"c", 980.0}}) {
    Scenario s;
    s.name = rate;
    s.path = "kernel-udp";
    s.given = RawJson{nlohmann::json{{"rate", rate}}.dump()};
    s.throughput = Throughput{};
    s.throughput->rx_pps = rx;
    r.scenarios.push_back(s);
  }
  r.scenarios[1].given = RawJson{R"({"other": 1})"};  // lacks the key: "-"
  PivotTable t = pivot(r, {"rate"});
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.rows[1].key_values, std::vector<std::string>{"-"});
  size_t rx = column(t, "throughput.rx_pps");
  EXPECT_TRUE(t.rows[0].cells[rx].best && t.rows[0].cells[rx].tie);
  EXPECT_FALSE(t.rows[0].cells[rx].low.has_value()) << "one value: no range";
  EXPECT_TRUE(t.rows[1].cells[rx].tie) << "995 is within 1 % of 1000";
  EXPECT_FALSE(t.rows[2].cells[rx].tie) << "980 is not";
  // Every loss is 0: the first is best, the others tie with it.
  size_t loss = column(t, "throughput.loss_ratio");
  EXPECT_TRUE(t.rows[0].cells[loss].best && t.rows[0].cells[loss].tie);
  EXPECT_TRUE(t.rows[2].cells[loss].tie);
}

TEST(Pivot, GoldenFixtureColumns) {
  PivotTable t = pivot(test::fixture_report(), {"path"});
  size_t top = column(t, kPivotTopDrop);
  EXPECT_EQ(*t.rows[0].cells[top].text, "SOCKET_RCVBUFF");
  EXPECT_EQ(t.metrics[top].better, "");
  EXPECT_FALSE(t.rows[0].cells[top].best);
  column(t, "probes.overhead.cost");
  column(t, "probes.bpf.ns_per_packet");
}

TEST(Pivot, UnknownKeyNamesTheFlagAndTheKeys) {
  try {
    pivot(sweep(), {"rps_cpus", "rss"});
    FAIL() << "no error";
  } catch (const core::UsageError& e) {
    std::string what = e.what();
    EXPECT_TRUE(has(what, "--pivot")) << what;
    EXPECT_TRUE(has(what, "'rss'")) << what;
    EXPECT_TRUE(has(what, "path, queues, rps_cpus, xdp_mode")) << what;
  }
  EXPECT_THROW(pivot(sweep(), {}), core::UsageError);
  EXPECT_THROW(pivot(sweep(), {"queues", "queues"}), core::UsageError);
}

TEST(RenderCompareHtml, Verdicts) {
  Report base = test::fixture_report(), neu = test::fixture_report();
  CompareResult res;
  res.base = "base.json";
  res.new_file = "new.json";
  res.regression = true;
  res.regressions = 1;
  res.improvements = 1;
  res.warnings = {"kernel differs: 6.18.0-pb vs 6.19.0"};
  res.only_in_new = {"xdp-pass/new"};
  auto row = [](const char* metric, const char* better, bool gated, double b, double n, const char* verdict) {
    CompareRow r;
    r.scenario = "kernel-udp/rate=max";
    r.metric = metric;
    r.better = better;
    r.gated = gated;
    r.base = b;
    r.new_value = n;
    r.change = (n - b) / b;
    r.verdict = verdict;
    r.n_base = r.n_new = 1;
    r.note = "noise not assessed: 1 vs 1 repetitions";
    return r;
  };
  res.rows = {row("throughput.rx_pps", "higher", true, 50000, 45000, kVerdictRegression),
              row("latency.p99", "lower", true, 2900, 2500, kVerdictImprovement),
              row("throughput.loss_ratio", "lower", true, 0.01, 0.0101, kVerdictSame),
              row("latency.p50", "lower", false, 2100, 2150, kVerdictNoise)};
  res.rows[2].by_difference = true;  // a ratio: judged by its difference
  res.rows[2].difference = 0.0001;
  res.not_comparable = {"afxdp/afxdp_mode=l2fwd"};
  std::string html = render_compare_html(res, base, neu);
  if (const char* path = std::getenv("PB_RENDER_COMPARE_HTML")) std::ofstream(path) << html;
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_FALSE(has(html, "http://") || has(html, "https://") || has(html, "<script"));
  EXPECT_TRUE(has(html, "class=\"gate-fail\">REGRESSION: 1 regression(s), 1 improvement(s)")) << html;
  EXPECT_TRUE(has(html, "<h2 id=\"scenario-0\">kernel-udp/rate=max</h2>"));
  EXPECT_TRUE(has(html, "<td class=\"verdict-regression\">regression (unconfirmed)</td>"));  // 1 vs 1
  EXPECT_TRUE(has(html, "<td class=\"verdict-improvement\">improvement (unconfirmed)</td>"));
  EXPECT_TRUE(has(html, "<td class=\"verdict-noise\">noise</td>"));
  EXPECT_TRUE(has(html, "-10.00 %"));
  EXPECT_TRUE(has(html, "-13.79 %"));
  // The gated metrics are bars, the new one coloured by its verdict; the ungated is not drawn.
  EXPECT_EQ(count(html, "<svg class=\"plot\""), 1u);
  EXPECT_TRUE(has(html, "fill=\"#d55e00\"><title>new, throughput.rx_pps: -10.00 % regression</title>")) << html;
  EXPECT_TRUE(has(html, "fill=\"#009e73\"><title>new, latency.p99: -13.79 % improvement</title>"));
  EXPECT_FALSE(has(html, "new, latency.p50"));
  EXPECT_TRUE(has(html, "kernel differs"));
  EXPECT_TRUE(has(html, "Only in new: xdp-pass/new"));
  EXPECT_TRUE(has(html, "+0.010 pp")) << "a ratio's change is its difference";
  EXPECT_TRUE(has(html, "Not comparable (same name, different configuration): afxdp/afxdp_mode=l2fwd"));
  EXPECT_TRUE(has(html, "<b>base</b> base.json: pathbench 0.1.0"));
}

TEST(Svg, EscapesAndLabelsAxes) {
  EXPECT_EQ(svg::escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  svg::LineChart c;
  c.title = "t<";
  c.x = {"latency", "µs", true, {}, {}, [](double v) { return fmt::format("{:g}", v / 1000); }};
  c.y = {"share", "", false, {}, {}, {}};
  c.series.push_back({"s&", "", {{500, 0.1, "", ""}, {5000, 0.5, "", ""}, {0, 0.7, "", ""}, {50000, 1.0, "", ""}}, true, true});
  std::string out = svg::line_chart(c);
  EXPECT_TRUE(has(out, "<title>t&lt;</title>"));
  EXPECT_TRUE(has(out, ">latency (µs)</text>"));
  EXPECT_TRUE(has(out, ">share</text>"));
  EXPECT_TRUE(has(out, ">s&amp;</text>"));
  // Decades from 100 ns to 100 µs, shown in µs; x = 0 cannot be on a log axis: 3 markers.
  for (const char* tick : {">0.1</text>", ">1</text>", ">10</text>", ">100</text>"}) EXPECT_TRUE(has(out, tick)) << tick;
  EXPECT_EQ(count(out, "<circle"), 3u);
}

}  // namespace
}  // namespace pb::reports
