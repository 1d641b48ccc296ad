#include "bench/suite/suite.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "bench/core/errors.h"

namespace pb::suite {
namespace {

using nlohmann::json;

// The catalog these tests parse against: the CLI's path, generator and tool names.
const Catalog& test_catalog() {
  static constexpr std::string_view kTcp[] = {"tcp_mode", "message_size"};
  static constexpr std::string_view kAfxdp[] = {"afxdp_mode", "busy_poll"};
  static constexpr std::string_view kDpdk[] = {"pmd", "dpdk_engine"};
  static const Catalog c{{{"kernel-udp", {}},
                          {"kernel-tcp", kTcp},
                          {"xdp-drop", {}},
                          {"xdp-pass", {}},
                          {"xdp-tx", {}},
                          {"xdp-redirect", {}},
                          {"afxdp", kAfxdp},
                          {"dpdk", kDpdk}},
                         {"udp-socket", "afpacket", "xdp-live"},
                         {"skbdrop", "tcplife"}};
  return c;
}

ScenarioSpec parse(const json& obj, const std::string& where) { return parse_scenario(obj, where, test_catalog()); }

std::vector<ScenarioSpec> expand(const json& suite, const std::string& where, const json& overrides = json::object()) {
  return expand_suite(suite, where, overrides, test_catalog());
}

std::vector<ScenarioSpec> load(const std::string& path, const json& overrides = json::object()) {
  return expand(read_suite_file(path), path, overrides);
}

// The UsageError message `fn` throws; fails the test if it throws nothing.
template <typename Fn>
std::string usage_error(Fn&& fn) {
  try {
    fn();
  } catch (const core::UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UsageError";
  return {};
}

std::vector<std::string> names_of(const std::vector<ScenarioSpec>& specs) {
  std::vector<std::string> names;
  for (const ScenarioSpec& spec : specs) names.push_back(spec.name);
  return names;
}

// A file under /tmp removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    path_ = "/tmp/pb_suite_test_" + std::to_string(getpid()) + "_" + std::to_string(counter_++) + ".json";
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(ParseRate, AcceptsMaxPlainAndSuffixes) {
  EXPECT_EQ(parse_rate("max", "--rate"), 0u);
  EXPECT_EQ(parse_rate("100000", "--rate"), 100000u);
  EXPECT_EQ(parse_rate("100k", "--rate"), 100000u);
  EXPECT_EQ(parse_rate("100K", "--rate"), 100000u);
  EXPECT_EQ(parse_rate("1.5M", "--rate"), 1500000u);
  EXPECT_EQ(parse_rate("2.5k", "--rate"), 2500u);
  EXPECT_EQ(parse_rate("1000M", "--rate"), 1000000000u);
}

TEST(ParseRate, RejectsBadValuesNamingTheFlag) {
  for (const char* bad : {"-1", "1e99", "fast", "", "0", "1.2345k", "1001M", "1.", ".5k", "10 k", "nan", "inf",
                          "99999999999999999999999999999", "MAX"}) {
    std::string message = usage_error([&] { parse_rate(bad, "--rate"); });
    EXPECT_NE(message.find("--rate: expected \"max\""), std::string::npos) << bad << ": " << message;
    EXPECT_NE(message.find(json(bad).dump()), std::string::npos) << bad << ": " << message;
  }
}

TEST(ParseDuration, AcceptsSecondsAndUnits) {
  EXPECT_DOUBLE_EQ(parse_duration("5", "--duration"), 5.0);
  EXPECT_DOUBLE_EQ(parse_duration("2.5", "--duration"), 2.5);
  EXPECT_DOUBLE_EQ(parse_duration("2s", "--duration"), 2.0);
  EXPECT_DOUBLE_EQ(parse_duration("500ms", "--duration"), 0.5);
  EXPECT_DOUBLE_EQ(parse_duration("1m", "--duration"), 60.0);
  EXPECT_DOUBLE_EQ(parse_duration("1h", "--duration"), 3600.0);
  EXPECT_DOUBLE_EQ(parse_duration("3600", "--duration"), 3600.0);
}

TEST(ParseDuration, RejectsBadValuesNamingTheFlag) {
  for (const char* bad : {"-1", "1e99", "fast", "", "0", "0ms", "3601", "61m", "2h", "5sec", "inf", "nan", "1.s"}) {
    std::string message = usage_error([&] { parse_duration(bad, "--duration"); });
    EXPECT_NE(message.find("--duration: expected a duration in (0, 3600] seconds"), std::string::npos)
        << bad << ": " << message;
  }
}

TEST(ParseUint, RangeAndSyntax) {
  EXPECT_EQ(parse_uint("66", "--frame-size", 66, 9000), 66u);
  EXPECT_EQ(parse_uint("9000", "--frame-size", 66, 9000), 9000u);
  for (const char* bad : {"65", "9001", "-1", "+70", "big", "", " 70", "70.0", "1e99", "99999999999999999999999"}) {
    EXPECT_EQ(usage_error([&] { parse_uint(bad, "--frame-size", 66, 9000); }),
              "--frame-size: expected an integer in [66, 9000], got " + json(bad).dump())
        << bad;
  }
}

TEST(SplitListFlag, SingleAndList) {
  EXPECT_EQ(split_list_flag("kernel-udp", "--path"), json("kernel-udp"));
  EXPECT_EQ(split_list_flag("kernel-udp,xdp-drop", "--path"), json({"kernel-udp", "xdp-drop"}));
  EXPECT_NE(usage_error([] { split_list_flag("a,,b", "--path"); }).find("--path: empty item"), std::string::npos);
  EXPECT_NE(usage_error([] { split_list_flag("", "--path"); }).find("--path: empty item"), std::string::npos);
}

// Every enum setting's spellings map back to the value they name.
template <typename E, size_t N>
void expect_round_trip(const std::array<core::EnumName<E>, N>& names) {
  for (const auto& n : names) {
    EXPECT_EQ(core::value_of(names, n.name), n.value) << n.name;
    EXPECT_EQ(core::name_of(names, n.value), n.name);
  }
  EXPECT_EQ(core::value_of(names, "no-such-name"), std::nullopt);
}

TEST(Settings, NamesRoundTrip) {
  expect_round_trip(core::kXdpModeNames);
  expect_round_trip(core::kAfxdpModeNames);
  expect_round_trip(core::kTcpModeNames);
  expect_round_trip(core::kDpdkPmdNames);
  expect_round_trip(core::kDpdkEngineNames);
  expect_round_trip(core::kQdiscKindNames);
  expect_round_trip(core::kTopologyNames);
  EXPECT_EQ(core::name(core::XdpMode::kGeneric), "generic");
}

TEST(ParseScenario, DefaultsAndFields) {
  ScenarioSpec spec = parse(json::object(), "s");
  EXPECT_EQ(spec.name, "kernel-udp");
  EXPECT_EQ(spec.path, "kernel-udp");
  EXPECT_EQ(core::name(spec.topology), "veth");
  EXPECT_EQ(spec.generator, "auto");
  EXPECT_EQ(core::name(spec.xdp_mode), "native");
  EXPECT_EQ(spec.rate_pps, 0u);
  EXPECT_EQ(spec.frame_size, 66u);

  spec = parse(json::parse(R"({"rate": "1.5M", "duration": "500ms", "frame_size": 1500, "flows": "8",
                                         "queues": 4, "trials": 3, "topology": "veth"})"),
                        "s");
  EXPECT_EQ(spec.rate_pps, 1500000u);
  EXPECT_DOUBLE_EQ(spec.duration_s, 0.5);
  EXPECT_EQ(spec.frame_size, 1500u);
  EXPECT_EQ(spec.flows, 8u);
  EXPECT_EQ(spec.queues, 4u);
  EXPECT_EQ(spec.trials, 3u);
  EXPECT_EQ(spec.name, "kernel-udp/duration=500ms/flows=8/frame_size=1500/queues=4/rate=1.5M/topology=veth/trials=3");
  EXPECT_EQ(json::parse(spec.given.text)["rate"], "1.5M");

  spec = parse(json{{"name", "baseline"}, {"rate", 1000}}, "s");
  EXPECT_EQ(spec.name, "baseline");
  EXPECT_EQ(spec.rate_pps, 1000u);
}

TEST(ParseScenario, ErrorsNameTheField) {
  const std::string w = "suite.json: scenarios[2]";
  auto error = [&](const json& obj) { return usage_error([&] { parse(obj, w); }); };
  EXPECT_EQ(error(json{{"frame_size", "big"}}),
            "suite.json: scenarios[2].frame_size: expected an integer in [66, 9000], got \"big\"");
  EXPECT_EQ(error(json{{"frame_size", 65}}),
            "suite.json: scenarios[2].frame_size: expected an integer in [66, 9000], got 65");
  EXPECT_EQ(error(json{{"frame_size", 66.5}}),
            "suite.json: scenarios[2].frame_size: expected an integer in [66, 9000], got 66.5");
  EXPECT_NE(error(json{{"flows", 0}}).find("scenarios[2].flows: expected an integer in [1, 65535], got 0"),
            std::string::npos);
  EXPECT_NE(error(json{{"flows", -3}}).find("scenarios[2].flows: expected an integer in [1, 65535], got -3"),
            std::string::npos);
  EXPECT_NE(error(json{{"queues", 65}}).find("scenarios[2].queues: expected an integer in [1, 64]"), std::string::npos);
  EXPECT_NE(error(json{{"trials", 101}}).find("scenarios[2].trials: expected an integer in [1, 100]"), std::string::npos);
  EXPECT_NE(error(json{{"rate", -1}}).find("scenarios[2].rate: expected \"max\""), std::string::npos);
  EXPECT_NE(error(json{{"rate", 1e99}}).find("scenarios[2].rate: expected \"max\""), std::string::npos);
  EXPECT_NE(error(json{{"rate", 0}}).find("scenarios[2].rate: expected \"max\""), std::string::npos);
  EXPECT_NE(error(json{{"rate", true}}).find("scenarios[2].rate: expected \"max\""), std::string::npos);
  EXPECT_NE(error(json{{"duration", 0}}).find("scenarios[2].duration: expected a duration"), std::string::npos);
  EXPECT_NE(error(json{{"duration", "fast"}}).find("scenarios[2].duration: expected a duration"), std::string::npos);
  EXPECT_NE(error(json{{"duration", 1e99}}).find("scenarios[2].duration: expected a duration"), std::string::npos);
  EXPECT_EQ(error(json{{"path", "xdp-dro"}}),
            "suite.json: scenarios[2].path: expected one of kernel-udp, kernel-tcp, xdp-drop, xdp-pass, xdp-tx, "
            "xdp-redirect, afxdp, dpdk, got \"xdp-dro\" (did you mean \"xdp-drop\"?)");
  EXPECT_EQ(error(json{{"path", "kernel-ud"}}),
            "suite.json: scenarios[2].path: expected one of kernel-udp, kernel-tcp, xdp-drop, xdp-pass, xdp-tx, "
            "xdp-redirect, afxdp, dpdk, got \"kernel-ud\" (did you mean \"kernel-udp\"?)");
  EXPECT_EQ(error(json{{"path", 3}}), "suite.json: scenarios[2].path: expected a string, got 3");
  EXPECT_EQ(error(json{{"topology", "lab"}}), "suite.json: scenarios[2].topology: topology \"lab\" is not implemented yet");
  EXPECT_NE(error(json{{"topology", "ring"}}).find("scenarios[2].topology: expected one of veth, lab"), std::string::npos);
  EXPECT_NE(error(json{{"generator", "xdp-fast"}}).find("scenarios[2].generator: expected one of auto, udp-socket"),
            std::string::npos);
  EXPECT_NE(error(json{{"qdisc", "tbf"}}).find("scenarios[2].qdisc: expected default, noqueue"), std::string::npos);
  EXPECT_NE(error(json{{"qdisc", "pfifo_fast:1mbit"}}).find("scenarios[2].qdisc"), std::string::npos);
  EXPECT_NE(error(json{{"rps_cpus", "3g"}}).find("scenarios[2].rps_cpus: expected a hex CPU mask"), std::string::npos);
  EXPECT_NE(error(json{{"xdp_mode", "offload"}}).find("scenarios[2].xdp_mode: expected one of native, generic"),
            std::string::npos);
  EXPECT_NE(error(json{{"name", ""}}).find("scenarios[2].name: expected a name"), std::string::npos);
  EXPECT_NE(error(json{{"name", "a\nb"}}).find("scenarios[2].name: a name may not contain control"), std::string::npos);
  EXPECT_EQ(error(json{{"frame-size", 66}}), "suite.json: scenarios[2].frame-size: unknown key (did you mean \"frame_size\"?)");
  EXPECT_EQ(error(json{{"rats", 66}}), "suite.json: scenarios[2].rats: unknown key (did you mean \"rate\"?)");
  EXPECT_NE(error(json{{"zzzzzzzz", 1}}).find("scenarios[2].zzzzzzzz: unknown key (known keys: afxdp_mode, busy_poll, capture, dpdk_engine, dst_port, duration, flows"),
            std::string::npos);
  EXPECT_NE(error(json{{"rate", {1, 2}}}).find("scenarios[2].rate: expected a single value"), std::string::npos);
  EXPECT_NE(error(json::array()).find("suite.json: scenarios[2]: expected an object"), std::string::npos);
}

// The old built-in suite: two kernel-udp rates. The precedence tests below use it as a
// fixed fixture, so changes to the real default suite do not move them.
json two_rate_suite() {
  return json{{"defaults", {{"path", "kernel-udp"}, {"duration", 5}, {"frame_size", 66}, {"flows", 8}, {"queues", 2}}},
              {"scenarios", json::array({json{{"rate", "max"}}, json{{"rate", 50000}}})}};
}

// "capture" (packets per pcap) and "tools" (one comma-list string of catalog tools; a JSON
// list is a matrix axis like any other key's).
TEST(ParseScenario, CaptureAndTools) {
  ScenarioSpec d = parse(json::object(), "s");
  EXPECT_EQ(d.capture, 0u);
  EXPECT_TRUE(d.tools.empty());
  ScenarioSpec s = parse(json{{"capture", 50}, {"tools", "tcplife,skbdrop"}}, "s");
  EXPECT_EQ(s.capture, 50u);
  EXPECT_EQ(s.tools, (std::vector<std::string>{"tcplife", "skbdrop"}));
  EXPECT_EQ(parse(json{{"capture", "7"}}, "s").capture, 7u);
  EXPECT_TRUE(parse(json{{"tools", "none"}}, "s").tools.empty());
  EXPECT_TRUE(parse(json{{"tools", ""}}, "s").tools.empty());

  const std::string w = "suite.json: scenarios[1]";
  auto error = [&](const json& obj) { return usage_error([&] { parse(obj, w); }); };
  EXPECT_EQ(error(json{{"capture", -1}}), w + ".capture: expected an integer in [0, 1000000], got -1");
  EXPECT_EQ(error(json{{"capture", 1000001}}), w + ".capture: expected an integer in [0, 1000000], got 1000001");
  EXPECT_EQ(error(json{{"capture", "lots"}}), w + ".capture: expected an integer in [0, 1000000], got \"lots\"");
  EXPECT_EQ(error(json{{"tools", "tcplif"}}),
            w + ".tools: unknown tool \"tcplif\" (did you mean \"tcplife\"?) (pathbench probe --list shows them)");
  EXPECT_EQ(error(json{{"tools", "tcplife,,skbdrop"}}), w + ".tools: empty item in tool list \"tcplife,,skbdrop\"");
  EXPECT_EQ(error(json{{"tools", "tcplife,tcplife"}}), w + ".tools: tool \"tcplife\" given twice");
  EXPECT_EQ(error(json{{"tools", 3}}), w + ".tools: expected a string, got 3");
  Catalog none = test_catalog();
  none.tools.clear();
  EXPECT_EQ(usage_error([&] { parse_scenario(json{{"tools", "tcplife"}}, w, none); }),
            w + ".tools: unknown tool \"tcplife\" (this build has no tools: BPF was off)");
}

TEST(ExpandSuite, CaptureAndToolsFromFlagsAndLists) {
  // Overrides (the flags) name the flag; a flag's value is one setting, not an axis.
  auto specs = expand(two_rate_suite(), "s.json", json{{"capture", 50}, {"tools", "tcplife,skbdrop"}});
  ASSERT_EQ(specs.size(), 2u);
  for (const auto& s : specs) {
    EXPECT_EQ(s.capture, 50u);
    EXPECT_EQ(s.tools, (std::vector<std::string>{"tcplife", "skbdrop"}));
    EXPECT_EQ(s.name.find("tools"), std::string::npos) << s.name;
  }
  EXPECT_EQ(usage_error([&] { expand(two_rate_suite(), "s.json", json{{"tools", "tcpdrop"}}); }).substr(0, 31),
            "--tools: unknown tool \"tcpdrop\"");
  EXPECT_EQ(usage_error([&] { expand(two_rate_suite(), "s.json", json{{"capture", 2000000}}); }),
            "--capture: expected an integer in [0, 1000000], got 2000000");
  // In a suite, a list of tool strings expands like any other key.
  json suite = {{"scenarios", json::array({json{{"path", "kernel-tcp"}, {"tools", {"tcplife", "skbdrop,tcplife"}}}})}};
  specs = expand(suite, "s.json");
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "kernel-tcp/tools=tcplife");
  EXPECT_EQ(specs[1].tools, (std::vector<std::string>{"skbdrop", "tcplife"}));
  EXPECT_EQ(usage_error([&] { expand(json{{"scenarios", json::array({json{{"tools", {"tcplife", "x"}}}})}}, "s.json"); }),
            "s.json: scenarios[0].tools[1]: unknown tool \"x\" (pathbench probe --list shows them)");
}

// --path kernel-udp over the default suite: the dpdk entry's pmd list means nothing for
// kernel-udp, so it neither multiplies nor names scenarios; a pmd the user gave stays.
TEST(ExpandSuite, PathOverrideDropsKeysOfOtherPaths) {
  std::vector<ScenarioSpec> specs = expand(default_suite(), "default suite", json{{"path", "kernel-udp"}});
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].name, "kernel-udp/rate=max");
  EXPECT_EQ(specs[1].name, "kernel-udp/rate=50000");
  specs = expand(default_suite(), "default suite", json{{"path", "kernel-udp"}, {"pmd", "af_xdp"}});
  ASSERT_FALSE(specs.empty());
  for (const ScenarioSpec& spec : specs) EXPECT_EQ(core::name(spec.pmd), "af_xdp") << spec.name;
  // Two entries the overrides made equal run once.
  specs = expand(default_suite(), "default suite", json{{"path", "dpdk"}, {"pmd", "af_packet"}});
  EXPECT_EQ(names_of(specs), (std::vector<std::string>{"dpdk/rate=max", "dpdk/rate=50000"}));
}

// With a list of paths the key goes from each scenario whose path does not read it.
TEST(ExpandSuite, PathListDropsKeysPerPath) {
  std::vector<ScenarioSpec> specs =
      expand(default_suite(), "default suite", json{{"path", json{"xdp-drop", "kernel-udp"}}, {"rate", "max"}});
  EXPECT_EQ(names_of(specs), (std::vector<std::string>{"xdp-drop/rate=max", "kernel-udp/rate=max"}));
  specs = expand(default_suite(), "default suite", json{{"path", json{"dpdk", "kernel-udp"}}, {"rate", "max"}});
  EXPECT_EQ(names_of(specs),
            (std::vector<std::string>{"dpdk/rate=max", "kernel-udp/rate=max", "dpdk/pmd=af_packet/rate=max"}));
  for (const ScenarioSpec& spec : specs) {
    if (spec.path == "kernel-udp") {
      EXPECT_EQ(json::parse(spec.given.text).count("pmd"), 0u) << spec.name;
    }
  }
}

TEST(ExpandSuite, DefaultSuite) {
  std::vector<ScenarioSpec> specs = expand(default_suite(), "default suite");
  ASSERT_EQ(specs.size(), 14u);
  EXPECT_EQ(specs[0].name, "kernel-udp/rate=max");
  EXPECT_EQ(specs[1].name, "kernel-udp/rate=50000");
  std::vector<std::string> paths;
  for (const ScenarioSpec& spec : specs) {
    if (paths.empty() || paths.back() != spec.path) paths.push_back(spec.path);
    EXPECT_DOUBLE_EQ(spec.duration_s, 5.0);
    EXPECT_EQ(spec.frame_size, 66u);
    EXPECT_EQ(spec.flows, 8u);
    EXPECT_EQ(spec.queues, 2u);
    EXPECT_EQ(json::parse(spec.given.text)["flows"], 8);
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"kernel-udp", "xdp-drop", "xdp-pass", "xdp-tx", "afxdp", "dpdk"}));
  EXPECT_EQ(specs[10].name, "dpdk/pmd=af_xdp/rate=max");
  EXPECT_EQ(core::name(specs[13].pmd), "af_packet");
  EXPECT_EQ(specs[0].rate_pps, 0u);
  EXPECT_EQ(specs[1].rate_pps, 50000u);
  EXPECT_EQ(json::parse(specs[1].given.text)["rate"], 50000);
}

TEST(ExpandSuite, CrossProductCountOrderAndNames) {
  json suite = json::parse(R"({
    "defaults": {"duration": 1, "flows": [1, 8]},
    "scenarios": [
      {"rate": ["max", "100k"], "frame_size": [66, 1500, 9000]},
      {"queues": 4}
    ]})");
  std::vector<ScenarioSpec> specs = expand(suite, "s.json");
  // Sorted keys: flows, frame_size, rate; first outermost, last fastest.
  EXPECT_EQ(names_of(specs), (std::vector<std::string>{
                                 "kernel-udp/flows=1/frame_size=66/rate=max",
                                 "kernel-udp/flows=1/frame_size=66/rate=100k",
                                 "kernel-udp/flows=1/frame_size=1500/rate=max",
                                 "kernel-udp/flows=1/frame_size=1500/rate=100k",
                                 "kernel-udp/flows=1/frame_size=9000/rate=max",
                                 "kernel-udp/flows=1/frame_size=9000/rate=100k",
                                 "kernel-udp/flows=8/frame_size=66/rate=max",
                                 "kernel-udp/flows=8/frame_size=66/rate=100k",
                                 "kernel-udp/flows=8/frame_size=1500/rate=max",
                                 "kernel-udp/flows=8/frame_size=1500/rate=100k",
                                 "kernel-udp/flows=8/frame_size=9000/rate=max",
                                 "kernel-udp/flows=8/frame_size=9000/rate=100k",
                                 "kernel-udp/flows=1/queues=4",
                                 "kernel-udp/flows=8/queues=4",
                             }));
  EXPECT_EQ(specs[1].rate_pps, 100000u);
  EXPECT_EQ(specs[1].frame_size, 66u);
  EXPECT_EQ(specs[1].flows, 1u);
  EXPECT_DOUBLE_EQ(specs[1].duration_s, 1.0);
  EXPECT_EQ(json::parse(specs[1].given.text), json::parse(R"({"duration": 1, "flows": 1, "frame_size": 66, "rate": "100k"})"));
  EXPECT_EQ(specs[13].queues, 4u);
  EXPECT_EQ(specs[13].flows, 8u);
}

TEST(ExpandSuite, ScenarioOverridesDefaultsAndSingleItemListIsScalar) {
  json suite = json::parse(R"({"defaults": {"rate": ["max", 1000], "frame_size": 128},
                               "scenarios": [{"rate": 5000}, {"frame_size": [256]}]})");
  std::vector<ScenarioSpec> specs = expand(suite, "s.json");
  EXPECT_EQ(names_of(specs), (std::vector<std::string>{"kernel-udp/rate=5000", "kernel-udp/frame_size=256/rate=max",
                                                        "kernel-udp/frame_size=256/rate=1000"}));
  EXPECT_EQ(specs[0].frame_size, 128u);
  EXPECT_EQ(specs[0].rate_pps, 5000u);
  EXPECT_EQ(specs[1].frame_size, 256u);
}

TEST(ExpandSuite, ExplicitNames) {
  json suite = json::parse(R"({"scenarios": [
      {"name": "baseline", "flows": 8},
      {"name": "sweep", "frame_size": [66, 1500], "flows": 4}]})");
  EXPECT_EQ(names_of(expand(suite, "s.json")),
            (std::vector<std::string>{"baseline", "sweep/frame_size=66", "sweep/frame_size=1500"}));
}

TEST(ExpandSuite, DuplicatesDropOrGetSuffix) {
  json suite = json::parse(R"({"scenarios": [{"rate": "max"}, {"rate": "max"},
      {"name": "x", "flows": 1}, {"name": "x", "flows": 2}, {"name": "x", "flows": 3}]})");
  std::vector<ScenarioSpec> specs = expand(suite, "s.json");
  EXPECT_EQ(names_of(specs), (std::vector<std::string>{"kernel-udp/rate=max", "x", "x#2", "x#3"}));
  EXPECT_EQ(specs[2].flows, 2u);
}

TEST(ExpandSuite, OverridesPrecedenceAndLists) {
  // CLI > scenario > defaults; scalar overrides keep the names' shape.
  std::vector<ScenarioSpec> specs =
      expand(two_rate_suite(), "default suite", json{{"duration", "2s"}, {"flows", "16"}});
  EXPECT_EQ(names_of(specs), (std::vector<std::string>{"kernel-udp/rate=max", "kernel-udp/rate=50000"}));
  EXPECT_DOUBLE_EQ(specs[0].duration_s, 2.0);
  EXPECT_EQ(specs[1].flows, 16u);
  EXPECT_EQ(json::parse(specs[1].given.text)["duration"], "2s");

  // Overriding a named key renames; scenarios made identical collapse into one.
  specs = expand(two_rate_suite(), "default suite", json{{"rate", "1000"}});
  EXPECT_EQ(names_of(specs), (std::vector<std::string>{"kernel-udp/rate=1000"}));
  EXPECT_EQ(specs[0].rate_pps, 1000u);

  // A list override expands (as `--frame-size 66,1500` would give).
  specs = expand(two_rate_suite(), "default suite", json{{"frame_size", split_list_flag("66,1500", "--frame-size")}});
  EXPECT_EQ(names_of(specs),
            (std::vector<std::string>{"kernel-udp/frame_size=66/rate=max", "kernel-udp/frame_size=1500/rate=max",
                                      "kernel-udp/frame_size=66/rate=50000", "kernel-udp/frame_size=1500/rate=50000"}));
  EXPECT_EQ(specs[1].frame_size, 1500u);

  // A list path override expands; the path leads the name.
  specs = expand(two_rate_suite(), "default suite", json{{"path", json{"kernel-udp"}}});
  EXPECT_EQ(specs.size(), 2u);
}

TEST(ExpandSuite, OverrideErrorsNameTheFlag) {
  auto error = [](const json& overrides) { return usage_error([&] { expand(default_suite(), "d", overrides); }); };
  EXPECT_EQ(error(json{{"frame_size", "big"}}), "--frame-size: expected an integer in [66, 9000], got \"big\"");
  EXPECT_NE(error(json{{"path", {"kernel-udp", "xdp-dorp"}}}).find("--path: expected one of kernel-udp, kernel-tcp, xdp-drop"), std::string::npos);
  EXPECT_NE(error(json{{"rate", "fast"}}).find("--rate: expected \"max\""), std::string::npos);
  EXPECT_NE(error(json{{"rats", 1}}).find("--rats: unknown key (did you mean \"rate\"?)"), std::string::npos);
  EXPECT_NE(error(json{{"name", "x"}}).find("--name: cannot override"), std::string::npos);
  EXPECT_NE(error(json::array()).find("overrides: expected an object"), std::string::npos);
}

TEST(ExpandSuite, ShapeErrorsNameTheField) {
  auto error = [](const std::string& text) {
    return usage_error([&] { expand(json::parse(text), "suite.json"); });
  };
  EXPECT_NE(error("[]").find("suite.json: expected a suite object"), std::string::npos);
  EXPECT_EQ(error(R"({"defaults": {}})"), "suite.json: scenarios: missing; give a list of scenario objects");
  EXPECT_EQ(error(R"({"scenarios": []})"), "suite.json: scenarios: empty; a suite needs at least one scenario");
  EXPECT_NE(error(R"({"scenarios": {}})").find("suite.json: scenarios: expected a list"), std::string::npos);
  EXPECT_NE(error(R"({"scenarios": [{}, 3]})").find("suite.json: scenarios[1]: expected an object"), std::string::npos);
  EXPECT_EQ(error(R"({"scenario": [{}]})"), "suite.json: scenario: unknown key (did you mean \"scenarios\"?)");
  EXPECT_NE(error(R"({"defaults": 1, "scenarios": [{}]})").find("suite.json: defaults: expected an object"),
            std::string::npos);
  EXPECT_EQ(error(R"({"defaults": {"rate": ["max", "fast"]}, "scenarios": [{}]})").substr(0, 52),
            "suite.json: defaults.rate[1]: expected \"max\" or a wh");
  EXPECT_NE(error(R"({"defaults": {"name": "x"}, "scenarios": [{}]})").find("suite.json: defaults.name: a name belongs"),
            std::string::npos);
  EXPECT_EQ(error(R"({"scenarios": [{}, {}, {"frame_size": "big"}]})"),
            "suite.json: scenarios[2].frame_size: expected an integer in [66, 9000], got \"big\"");
  EXPECT_NE(error(R"({"scenarios": [{"frame_size": [66, "big"]}]})").find("suite.json: scenarios[0].frame_size[1]: "),
            std::string::npos);
  EXPECT_NE(error(R"({"scenarios": [{"flows": []}]})").find("suite.json: scenarios[0].flows: empty list"),
            std::string::npos);
  EXPECT_NE(error(R"({"scenarios": [{"flows": [[1]]}]})").find("suite.json: scenarios[0].flows[0]: expected a single"),
            std::string::npos);
  EXPECT_NE(error(R"({"scenarios": [{"name": ["a", "b"]}]})").find("suite.json: scenarios[0].name: expected a string"),
            std::string::npos);
  EXPECT_NE(error(R"({"scenarios": [{"bogus": 1}]})").find("suite.json: scenarios[0].bogus: unknown key"),
            std::string::npos);
}

TEST(ExpandSuite, CapsTotalExpansion) {
  json flows = json::array();
  for (int i = 1; i <= 101; ++i) flows.push_back(i);
  json frames = json::array();
  for (int i = 66; i < 166; ++i) frames.push_back(i);
  json suite{{"scenarios", json::array({json{{"flows", flows}, {"frame_size", frames}}})}};
  EXPECT_NE(usage_error([&] { expand(suite, "big.json"); }).find("big.json: expands to more than 10000 scenarios"),
            std::string::npos);
  suite["scenarios"][0]["flows"].erase(100);  // exactly 10000
  EXPECT_EQ(expand(suite, "big.json").size(), 10000u);
}

// A search picks its own loads: the rate list collapses, the names carry no rate, and a
// search and a fixed-rate sweep side by side stay apart.
TEST(ExpandSuite, SearchDropsRateAndTrials) {
  json suite = {{"scenarios", json::array({json{{"path", "kernel-udp"}, {"rate", {"max", 50000}}, {"trials", 3}}})}};
  auto specs = expand_suite(suite, "s.json", json{{"search", "ndr-pdr"}}, test_catalog());
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_EQ(specs[0].name, "kernel-udp");  // a name never carries a key that was dropped
  EXPECT_EQ(specs[0].search, core::SearchMode::kNdrPdr);
  EXPECT_EQ(specs[0].rate_pps, 0u);
  EXPECT_EQ(specs[0].trials, 1u);
  specs = expand_suite(suite, "s.json", json{{"search", {"max", "ndr-pdr"}}}, test_catalog());
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[1].name, "kernel-udp/search=ndr-pdr");
}

TEST(ExpandSuite, SearchKeysInPercent) {
  json suite = {{"scenarios", json::array({json{{"path", "kernel-udp"}, {"search", "ndr-pdr"}, {"pdr_loss", 1},
                                                 {"search_width", "0.25%"}, {"repeat", 5},
                                                 {"max_search_time", "2m"}}})}};
  auto specs = expand_suite(suite, "s.json", json::object(), test_catalog());
  ASSERT_EQ(specs.size(), 1u);
  EXPECT_DOUBLE_EQ(specs[0].pdr_loss, 0.01);
  EXPECT_DOUBLE_EQ(specs[0].search_width, 0.0025);
  EXPECT_EQ(specs[0].repeat, 5u);
  EXPECT_DOUBLE_EQ(specs[0].max_search_time_s, 120);
  auto error_of = [](const json& overrides) {
    try {
      expand_suite(json{{"scenarios", json::array({json{{"path", "kernel-udp"}}})}}, "s.json", overrides,
                   test_catalog());
    } catch (const core::UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of(json{{"pdr_loss", "11"}}).find("--pdr-loss: expected a percentage in [0, 10]"), std::string::npos);
  EXPECT_NE(error_of(json{{"search_width", "0"}}).find("--search-width"), std::string::npos);
  EXPECT_NE(error_of(json{{"search_width", "1e-3"}}).find("--search-width"), std::string::npos);
  EXPECT_NE(error_of(json{{"repeat", "0"}}).find("--repeat: expected an integer in [1, 100]"), std::string::npos);
  EXPECT_NE(error_of(json{{"search", "mlr"}}).find("--search: expected one of max, ndr-pdr"), std::string::npos);
}

TEST(LoadSuiteFile, CommentsAllowed) {
  TempFile file(R"(// a sweep
{
  /* shared */ "defaults": {"duration": "2s"},
  "scenarios": [
    {"rate": ["max", 50000]}  // two rates
  ]
})");
  std::vector<ScenarioSpec> specs = load(file.path());
  EXPECT_EQ(names_of(specs), (std::vector<std::string>{"kernel-udp/rate=max", "kernel-udp/rate=50000"}));
  EXPECT_DOUBLE_EQ(specs[1].duration_s, 2.0);
  EXPECT_EQ(read_suite_file(file.path())["defaults"]["duration"], "2s");

  std::string message = usage_error([&] { load(file.path(), json{{"queues", 65}}); });
  EXPECT_NE(message.find("--queues: expected an integer in [1, 64]"), std::string::npos);
}

TEST(LoadSuiteFile, ErrorsNameFileAndPosition) {
  EXPECT_NE(usage_error([] { load("/nonexistent/suite.json"); })
                .find("/nonexistent/suite.json: cannot read suite file: No such file or directory"),
            std::string::npos);

  TempFile malformed("{\n  \"scenarios\": [\n    {\"rate\": max}\n  ]\n}\n");
  std::string message = usage_error([&] { load(malformed.path()); });
  EXPECT_NE(message.find(malformed.path() + ":3:14: malformed JSON: "), std::string::npos) << message;
  EXPECT_EQ(message.find("[json.exception"), std::string::npos) << message;

  TempFile empty("");
  EXPECT_NE(usage_error([&] { load(empty.path()); }).find(empty.path() + ":1:1: malformed JSON"),
            std::string::npos);

  TempFile shape(R"({"scenarios": [{"frame_size": 10}]})");
  EXPECT_EQ(usage_error([&] { load(shape.path()); }),
            shape.path() + ": scenarios[0].frame_size: expected an integer in [66, 9000], got 10");
}

}  // namespace
}  // namespace pb::suite
