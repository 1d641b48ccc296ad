// The report model's one JSON writer and reader (golden output, round trip, errors that name
// the field), report files (atomic write, load errors) and the text renderings.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <system_error>

#if __has_include("pb_config.h")
#include "pb_config.h"
#endif

#include "bench/core/errors.h"
#include "reports/json.h"
#include "reports/report_io.h"
#include "reports/text.h"
#include "tests/unit/report_fixture.h"

namespace pb::reports {
namespace {


// The golden report, found through $PB_SOURCE_ROOT (meson's test env) or the build's
// PB_SOURCE_ROOT; empty when neither is known.
std::string golden_path() {
  const char* env = std::getenv("PB_SOURCE_ROOT");
  std::string root = env && *env ? env : "";
#ifdef PB_SOURCE_ROOT
  if (root.empty()) root = PB_SOURCE_ROOT;
#endif
  return root.empty() ? root : root + "/tests/golden/report_v1.json";
}

// A fresh directory under $TMPDIR, removed with its files at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/pb_report_test.XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = tmpl;
  }
  ~ScratchDir() { remove_tree(path_); }
  const std::string& path() const { return path_; }

  std::set<std::string> entries() const { return list(path_); }

  static std::set<std::string> list(const std::string& dir) {
    std::set<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.insert(n);
      }
      ::closedir(d);
    }
    return names;
  }

 private:
  static void remove_tree(const std::string& p) {
    struct stat st{};
    if (::lstat(p.c_str(), &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
      for (const std::string& n : list(p)) remove_tree(p + "/" + n);
      ::rmdir(p.c_str());
    } else {
      ::unlink(p.c_str());
    }
  }
  std::string path_;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

reports::Report minimal_report() {
  reports::Report r;
  r.context.tool = {"pathbench", "0.1.0", "unknown"};
  reports::Scenario s;
  s.name = "s1";
  s.path = "kernel-udp";
  s.status = reports::kStatusSkipped;
  s.reason = std::string("not here");
  r.scenarios.push_back(s);
  return r;
}

// Expects load_report(path) to throw core::UsageError whose message names the file and
// contains `fragment`.
void expect_usage_error(const std::string& path, const std::string& fragment) {
  try {
    load_report(path);
    ADD_FAILURE() << "load_report(" << path << ") did not throw";
  } catch (const core::UsageError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(fragment), std::string::npos) << what;
  }
}

// Expects report_from_json(text) to throw core::UsageError containing `fragment`.
void expect_bad_report(const std::string& text, const std::string& fragment) {
  try {
    report_from_json(text, "r.json");
    ADD_FAILURE() << "accepted: " << text.substr(0, 200);
  } catch (const core::UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// The writer's output for the fixture model is the checked-in golden file, byte for byte.
// PB_UPDATE_GOLDEN=1 rewrites the file instead (then review the diff).
TEST(ReportJson, GoldenOutput) {
  ASSERT_FALSE(golden_path().empty()) << "set PB_SOURCE_ROOT to the source tree";
  std::string text = to_json_text(test::fixture_report()) + "\n";
  if (const char* update = std::getenv("PB_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    write_text(golden_path(), text);
    GTEST_SKIP() << "rewrote " << golden_path();
  }
  EXPECT_EQ(text, read_text(golden_path())) << "the writer's output changed: PB_UPDATE_GOLDEN=1 rewrites "
                                            << golden_path();
}

TEST(ReportJson, ReadingBackGivesTheSameModel) {
  reports::Report r = test::fixture_report();
  EXPECT_EQ(report_from_json(to_json_text(r), "fixture"), r);
  ASSERT_FALSE(golden_path().empty());
  EXPECT_EQ(load_report(golden_path()), r);
}

TEST(ReportJson, MalformedReportsNameTheField) {
  std::string good = to_json_text(test::fixture_report());
  nlohmann::json j = nlohmann::json::parse(good);
  auto without = [&](auto edit) {
    nlohmann::json copy = j;
    edit(copy);
    return copy.dump();
  };
  expect_bad_report(without([](auto& c) { c["scenarios"][0].erase("name"); }), "r.json: scenarios[0].name: missing");
  expect_bad_report(without([](auto& c) { c["scenarios"][0]["drops"].erase("ledger"); }),
                    "scenarios[0].drops.ledger: missing");
  expect_bad_report(without([](auto& c) { c["scenarios"][1].erase("drops"); }),
                    "scenarios[1].drops: missing (a scenario with status ok has one)");
  expect_bad_report(without([](auto& c) { c["scenarios"][0]["trials"][0]["sent"] = "many"; }),
                    "scenarios[0].trials[0].sent: expected a non-negative integer, got string");
  expect_bad_report(without([](auto& c) { c["scenarios"][0]["trials"] = nlohmann::json::array(); }),
                    "scenarios[0].trials: empty");
  expect_bad_report(without([](auto& c) { c["scenarios"][5].erase("reason"); }), "scenarios[5].reason: missing");
  expect_bad_report(without([](auto& c) { c["scenarios"][0]["status"] = "fine"; }), "scenarios[0].status");
  expect_bad_report(without([](auto& c) { c["scenarios"][0]["latency"]["unit"] = "us"; }),
                    "scenarios[0].latency.unit: expected \"ns\"");
  expect_bad_report(without([](auto& c) { c["context"].erase("tool"); }), "context.tool: missing");
  // Forward compatibility: a key this build does not know is no error.
  EXPECT_NO_THROW(report_from_json(without([](auto& c) { c["scenarios"][0]["future_field"] = 1; }), "r.json"));
}

TEST(WriteReportAtomic, RoundTripLeavesOnlyTheReport) {
  ScratchDir dir;
  const std::string path = dir.path() + "/report.json";
  reports::Report report = minimal_report();
  write_report_atomic(path, report);
  EXPECT_EQ(load_report(path), report);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"report.json"});

  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
}

TEST(WriteReportAtomic, ReplacesAnExistingReport) {
  ScratchDir dir;
  const std::string path = dir.path() + "/report.json";
  write_text(path, "{\"old\": true}");
  reports::Report report = test::fixture_report();
  write_report_atomic(path, report);
  EXPECT_EQ(load_report(path), report);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"report.json"});
}

TEST(WriteReportAtomic, RelativePathWritesIntoTheCurrentDirectory) {
  ScratchDir dir;
  char old_cwd[4096];
  ASSERT_NE(::getcwd(old_cwd, sizeof old_cwd), nullptr);
  ASSERT_EQ(::chdir(dir.path().c_str()), 0);
  EXPECT_NO_THROW(write_report_atomic("rel.json", minimal_report()));
  ASSERT_EQ(::chdir(old_cwd), 0);
  EXPECT_EQ(dir.entries(), std::set<std::string>{"rel.json"});
}

TEST(WriteReportAtomic, MissingDirectoryThrowsAndCreatesNothing) {
  ScratchDir dir;
  const std::string path = dir.path() + "/missing/report.json";
  try {
    write_report_atomic(path, minimal_report());
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), ENOENT);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(WriteReportAtomic, FailedRenameRemovesTheTemporaryFile) {
  ScratchDir dir;
  // A directory in the way: the temporary file is written, then rename() fails (EISDIR).
  const std::string path = dir.path() + "/report.json";
  ASSERT_EQ(::mkdir(path.c_str(), 0755), 0);
  try {
    write_report_atomic(path, minimal_report());
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_EQ(dir.entries(), std::set<std::string>{"report.json"});
  EXPECT_TRUE(ScratchDir::list(path).empty());
}

TEST(WriteReportAtomic, InvalidUtf8IsReplacedNotFatal) {
  ScratchDir dir;
  const std::string path = dir.path() + "/report.json";
  reports::Report report = minimal_report();
  report.context.host.cpu_model = std::string("bad \xff byte");
  ASSERT_NO_THROW(write_report_atomic(path, report));
  EXPECT_EQ(load_report(path).context.host.cpu_model, "bad \xEF\xBF\xBD byte");
}

TEST(LoadReport, Errors) {
  ScratchDir dir;
  const std::string d = dir.path();
  expect_usage_error(d + "/absent.json", "No such file or directory");
  expect_usage_error(d, "cannot read");  // a directory opens but does not read

  write_text(d + "/malformed.json", "{\"schema_version\": 1, \"scenarios\": [");
  expect_usage_error(d + "/malformed.json", "not valid JSON");
  write_text(d + "/empty.json", "");
  expect_usage_error(d + "/empty.json", "not valid JSON");
  write_text(d + "/array.json", "[1, 2]");
  expect_usage_error(d + "/array.json", "not an object");
  write_text(d + "/noversion.json", "{\"scenarios\": []}");
  expect_usage_error(d + "/noversion.json", "no schema_version");
  write_text(d + "/v2.json", "{\"schema_version\": 2, \"scenarios\": []}");
  expect_usage_error(d + "/v2.json", "schema_version 2 is not supported");
  write_text(d + "/vstring.json", "{\"schema_version\": \"1\", \"scenarios\": []}");
  expect_usage_error(d + "/vstring.json", "schema_version \"1\" is not supported");
  write_text(d + "/noscenarios.json", "{\"schema_version\": 1, \"context\": {}}");
  expect_usage_error(d + "/noscenarios.json", "context.tool: missing");
}

TEST(HumanPps, Units) {
  EXPECT_EQ(human_pps(0), "0 pps");
  EXPECT_EQ(human_pps(850), "850 pps");
  EXPECT_EQ(human_pps(999.6), "1.0 kpps");  // rounding carries into the next unit
  EXPECT_EQ(human_pps(850200), "850.2 kpps");
  EXPECT_EQ(human_pps(999960), "1.00 Mpps");
  EXPECT_EQ(human_pps(1234000), "1.23 Mpps");
  EXPECT_EQ(human_pps(13.7e6), "13.70 Mpps");
  EXPECT_EQ(human_pps(2.5e9), "2.50 Gpps");
  EXPECT_EQ(human_pps(NAN), "n/a");
  EXPECT_EQ(human_pps(INFINITY), "n/a");
}

TEST(HumanNs, Units) {
  EXPECT_EQ(human_ns(0), "0 ns");
  EXPECT_EQ(human_ns(850), "850 ns");
  EXPECT_EQ(human_ns(12300), "12.3 µs");
  EXPECT_EQ(human_ns(999999), "1.00 ms");
  EXPECT_EQ(human_ns(1204000), "1.20 ms");
  EXPECT_EQ(human_ns(2.5e9), "2.50 s");
  EXPECT_EQ(human_ns(-1500), "-1.5 µs");
  EXPECT_EQ(human_ns(NAN), "n/a");
}

// Column of `needle` in `line`, counted in code points.
size_t column_of(const std::string& line, const std::string& needle) {
  size_t at = line.find(needle);
  if (at == std::string::npos) return std::string::npos;
  size_t col = 0;
  for (size_t i = 0; i < at; ++i) col += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
  return col;
}

TEST(RenderSummary, FixtureCells) {
  std::string text = render_summary(test::fixture_report());
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 8u) << text;

  EXPECT_NE(lines[0].find("pathbench 0.1.0 (v0.1.0-42-g3f9c2ab), started 2026-12-02T01:18:32Z"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("kernel 6.18.0-pb, 2 CPUs (AMD EPYC)"), std::string::npos) << lines[0];
  const std::string& header = lines[1];
  const std::string& ok = lines[2];
  const std::string& skipped = lines[7];
  for (const char* cell : {"kernel-udp/rate=max", "kernel-udp", "ok", "100,000", "99,000", "1.000%", "49.5 kpps",
                           "2.1 µs", "2.9 µs"}) {
    EXPECT_NE(ok.find(cell), std::string::npos) << cell << " missing in: " << ok;
  }
  EXPECT_EQ(ok.substr(ok.size() - 4), " 120") << ok;  // ledger unaccounted, last column
  EXPECT_NE(skipped.find("xdp-drop/xdp_mode=generic"), std::string::npos) << skipped;
  EXPECT_NE(skipped.find("skipped  path 'xdp-drop' is not in this build"), std::string::npos) << skipped;

  // Fixed width: every column starts at the same place in each row, µ counted as one.
  EXPECT_EQ(column_of(header, "path"), column_of(ok, "kernel-udp  "));
  EXPECT_EQ(column_of(header, "path"), column_of(skipped, "xdp-drop  "));
  EXPECT_EQ(column_of(header, "status"), column_of(ok, "ok "));
  EXPECT_EQ(column_of(header, "status"), column_of(skipped, "skipped"));
  // Right-aligned numbers end where their header ends.
  EXPECT_EQ(column_of(header, "p99") + 3, column_of(ok, "2.9 µs") + 6);
  EXPECT_EQ(column_of(header, "unaccounted") + 11, column_of(ok, " 120") + 4);
}

TEST(RenderSummary, OkScenarioBeingWrittenShowsDashes) {
  reports::Report r = minimal_report();
  r.scenarios[0].status = reports::kStatusOk;
  r.scenarios[0].reason.reset();
  std::string text = render_summary(r);
  EXPECT_TRUE(std::regex_search(text, std::regex("\ns1 +kernel-udp +ok +- +- +- +- +- +- +-\n"))) << text;
  r.scenarios.clear();
  EXPECT_NE(render_summary(r).find("(no scenarios)"), std::string::npos);
}

TEST(RenderCapabilities, FailuresSayWhy) {
  std::string text = render_capabilities(test::fixture_capabilities());
  EXPECT_NE(text.find("attach fentry         no   attach: Operation not permitted"), std::string::npos) << text;
  EXPECT_NE(text.find("bpffs                 no   mount bpffs"), std::string::npos) << text;
  EXPECT_NE(text.find("nics                  no   directory_iterator"), std::string::npos) << text;
  EXPECT_NE(text.find("dpdk                  built with 22.11.11"), std::string::npos) << text;
  EXPECT_NE(text.find("tracefs               /sys/kernel/tracing"), std::string::npos) << text;
}

}  // namespace
}  // namespace pb::reports
