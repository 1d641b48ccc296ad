// The renderers of `pathbench probe` over a made-up tool: text columns and the lines below
// a row, JSON lines keyed by the field table, log-linear and log2 histogram rows (exact
// counts, rows under 1 % wide), summaries, and the generated JSON Schema.
#include "reports/tool_output.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>

namespace pb::reports {
namespace {

using core::Field;
using core::FieldType;
using core::Values;
using json = nlohmann::ordered_json;

constexpr Field kEvent[] = {
    {.name = "pid", .type = FieldType::kUint, .doc = "process", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "task", .width = 8},
    {.name = "delta", .type = FieldType::kInt, .doc = "signed", .width = 6, .nullable = true},
    {.name = "stack", .type = FieldType::kLines, .doc = "frames", .nullable = true},
    {.name = "ms", .type = FieldType::kFloat, .unit = "ms", .doc = "lifespan", .decimals = 2},
};
constexpr Field kRows[] = {
    {.name = "reason", .type = FieldType::kString, .doc = "why", .width = 10},
    {.name = "count", .type = FieldType::kUint, .doc = "how many", .width = 6},
};
constexpr Field kHists[] = {{.name = "lat", .unit = "us", .doc = "latency"}};
const core::ToolSchema kSchema{.tool = "demo", .event_fields = kEvent, .summary_fields = kRows, .histograms = kHists};

Values event(uint64_t pid, std::string comm, core::Value delta, core::Value stack, double ms) {
  return {pid, std::move(comm), std::move(delta), std::move(stack), ms};
}

TEST(ToolText, HeaderAndRowsShareTheColumns) {
  EXPECT_EQ(text_header(kEvent), "    PID COMM      DELTA MS");
  EXPECT_EQ(text_row(kEvent, event(42, "sshd", int64_t(-3), {}, 1.5)), "     42 sshd         -3 1.50");
  // Unknown values print "-"; a wide value pushes the row on and is never cut.
  EXPECT_EQ(text_row(kEvent, event(7, "averyverylongname", {}, {}, 0.004)), "      7 averyverylongname      - 0.00");
}

TEST(ToolText, LinesFieldsGoBelowTheRow) {
  Values v = event(1, "x", int64_t(0), std::vector<std::string>{"f+0x1", "g+0x2"}, 2);
  EXPECT_EQ(text_row(kEvent, v), "      1 x             0 2.00\n        f+0x1\n        g+0x2");
}

TEST(ToolJson, EventKeysComeFromTheFieldTableInItsOrder) {
  json j = json::parse(event_line(kSchema, event(42, "sshd", {}, std::vector<std::string>{"f+0x1"}, 1.25)));
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"type", "tool", "pid", "comm", "delta", "stack", "ms"}));
  EXPECT_EQ(j["type"], "event");
  EXPECT_EQ(j["tool"], "demo");
  EXPECT_EQ(j["pid"], 42);
  EXPECT_TRUE(j["delta"].is_null());
  EXPECT_EQ(j["stack"], json::array({"f+0x1"}));
  EXPECT_DOUBLE_EQ(j["ms"].get<double>(), 1.25);
}

TEST(ToolJson, TheSinkWritesOneObjectPerLine) {
  std::ostringstream out;
  auto sink = make_tool_output(kSchema, out, {.json = true});
  sink->begin();
  sink->event(event(1, "a", int64_t(1), {}, 0.5));
  sink->event(event(2, "b\xff", int64_t(2), {}, 0.5));  // not UTF-8: replaced, never a throw
  core::Summary s;
  s.final = true;
  s.elapsed_s = s.interval_s = 2;
  s.events = 2;
  s.rows.push_back({std::string("NO_SOCKET"), uint64_t(2)});
  s.histograms.emplace_back();
  s.histograms[0].record(100);
  sink->summary(s);
  std::istringstream in(out.str());
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["pid"], 1);
  EXPECT_EQ(lines[2]["type"], "summary");
  EXPECT_EQ(lines[2]["rows"][0]["reason"], "NO_SOCKET");
  EXPECT_EQ(lines[2]["rows"][0]["count"], 2);
  EXPECT_EQ(lines[2]["histograms"]["lat"]["unit"], "us");
  EXPECT_EQ(lines[2]["histograms"]["lat"]["count"], 1);
  EXPECT_EQ(lines[2]["histograms"]["lat"]["histogram"], json::parse("[[100, 1]]"));
}

TEST(ToolHistogram, TheLogLinearViewIsTheBucketsThemselves) {
  core::Histogram h;
  for (uint64_t v = 1; v < 2000000; v = v * 3 / 2 + 1) h.record(v, v % 7 + 1);
  auto rows = histogram_rows(h, 128);
  auto buckets = h.buckets();
  ASSERT_EQ(rows.size(), buckets.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].upper, buckets[i].first);
    EXPECT_EQ(rows[i].count, buckets[i].second);
    // Each row is under 1 % of its values wide.
    EXPECT_LT(double(rows[i].upper - rows[i].lower + 1), 0.01 * double(rows[i].lower) + 1.0) << rows[i].lower;
  }
}

TEST(ToolHistogram, Log2RowsArePowersOfTwo) {
  core::Histogram h;
  for (uint64_t v : {0, 1, 2, 3, 4, 7, 8, 1000, 1023}) h.record(v);
  auto rows = histogram_rows(h, 1);
  ASSERT_EQ(rows.size(), 6u);
  auto row = [&](size_t i) { return std::make_tuple(rows[i].lower, rows[i].upper, rows[i].count); };
  EXPECT_EQ(row(0), std::make_tuple(0u, 0u, 1u));
  EXPECT_EQ(row(1), std::make_tuple(1u, 1u, 1u));
  EXPECT_EQ(row(2), std::make_tuple(2u, 3u, 2u));
  EXPECT_EQ(row(3), std::make_tuple(4u, 7u, 2u));
  EXPECT_EQ(row(4), std::make_tuple(8u, 15u, 1u));
  EXPECT_EQ(row(5), std::make_tuple(512u, 1023u, 2u));
  std::string text = render_histogram(h, kHists[0], true);
  EXPECT_NE(text.find("power-of-two rows"), std::string::npos) << text;
  EXPECT_NE(text.find("[512, 1K)"), std::string::npos) << text;
  EXPECT_NE(text.find("[2, 4)"), std::string::npos) << text;
}

TEST(ToolHistogram, AWideSpreadIsShownInFewerRowsWithExactCounts) {
  core::Histogram h;
  uint64_t total = 0;
  for (uint64_t v = 1; v < 100000000; v += v / 50 + 1) {
    h.record(v);
    ++total;
  }
  std::string text = render_histogram(h, kHists[0], false, 40);
  size_t bars = 0;
  uint64_t counted = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '[') continue;
    ++bars;
    std::istringstream cells(line.substr(line.find_first_of(")]") + 1));
    uint64_t n = 0;
    cells >> n;
    counted += n;
  }
  EXPECT_LE(bars, 40u) << text;
  EXPECT_GT(bars, 10u) << text;
  EXPECT_EQ(counted, total);
  EXPECT_NE(text.find("per power of two"), std::string::npos) << text;
  EXPECT_NE(text.find("count " + std::to_string(total) + ","), std::string::npos) << text;
}

TEST(ToolHistogram, PercentilesAreWithinOnePercent) {
  core::Histogram h;
  for (uint64_t v = 1; v <= 100000; ++v) h.record(v);
  json j = json::parse(histogram_line(h, "us"));
  EXPECT_NEAR(j["p50"].get<double>(), 50000, 500);
  EXPECT_NEAR(j["p99"].get<double>(), 99000, 990);
  EXPECT_EQ(j["count"], 100000);
  EXPECT_EQ(j["unit"], "us");
}

TEST(ToolText, SummaryShowsItsSpanRowsHistogramsAndNotes) {
  core::Summary s;
  s.elapsed_s = 3;
  s.interval_s = 1;
  s.events = 5;
  s.lost = 2;
  s.rows.push_back({std::string("NO_SOCKET"), uint64_t(5)});
  s.histograms.emplace_back();
  s.notes.push_back("no kernel stack for 1 events");
  std::string text = render_summary_text(kSchema, s, false);
  EXPECT_NE(text.find("--- demo: 2.00-3.00 s: 5 events, 2 LOST (ring buffer full) ---"), std::string::npos) << text;
  EXPECT_NE(text.find("REASON      COUNT\nNO_SOCKET       5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat (us): no values"), std::string::npos) << text;
  EXPECT_NE(text.find("note: no kernel stack for 1 events"), std::string::npos) << text;
}

TEST(ToolText, TheHeaderComesBackAfterASummary) {
  std::ostringstream out;
  auto sink = make_tool_output(kSchema, out, {});
  sink->begin();
  sink->event(event(1, "a", int64_t(1), {}, 0.5));
  sink->summary(core::Summary{});
  sink->event(event(2, "b", int64_t(2), {}, 0.5));
  sink->flush();
  std::string text = out.str();
  size_t first = text.find("    PID COMM"), second = text.find("    PID COMM", first + 1);
  EXPECT_EQ(first, 0u) << text;
  EXPECT_NE(second, std::string::npos) << text;
}

TEST(ToolSchema, EachToolHasAnEventAndASummaryDefinition) {
  core::ToolSchema schemas[] = {kSchema};
  json s = json::parse(tool_lines_schema(schemas));
  EXPECT_EQ(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
  const json& ev = s["$defs"]["demo_event"];
  EXPECT_EQ(ev["additionalProperties"], false);
  EXPECT_EQ(ev["properties"]["tool"]["const"], "demo");
  EXPECT_EQ(ev["properties"]["pid"]["type"], "integer");
  EXPECT_EQ(ev["properties"]["delta"]["type"], json::array({"integer", "null"}));
  EXPECT_EQ(ev["properties"]["stack"]["type"], json::array({"array", "null"}));
  EXPECT_EQ(ev["required"], json::array({"type", "tool", "pid", "comm", "delta", "stack", "ms"}));
  const json& sum = s["$defs"]["demo_summary"];
  EXPECT_EQ(sum["properties"]["rows"]["items"]["required"], json::array({"reason", "count"}));
  EXPECT_EQ(sum["properties"]["histograms"]["required"], json::array({"lat"}));
  ASSERT_TRUE(s["$defs"].contains("tool_entry"));
  ASSERT_TRUE(s["$defs"].contains("error"));
  EXPECT_EQ(s["oneOf"].size(), 4u);
}

TEST(ToolHelp, ListsEveryFieldWithTypeUnitAndMeaning) {
  std::string help = render_fields_help(kSchema);
  EXPECT_NE(help.find("ms     float   ms    lifespan"), std::string::npos) << help;
  EXPECT_NE(help.find("delta  int     -     signed (null when unknown)"), std::string::npos) << help;
  EXPECT_NE(help.find("Summary rows"), std::string::npos) << help;
  EXPECT_NE(help.find("lat"), std::string::npos) << help;
}

}  // namespace
}  // namespace pb::reports
