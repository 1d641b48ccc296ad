// Suites: parsing scenario objects, matrix expansion with stable names, suite files, the
// built-in default suite, and the value parsers the CLI shares for its flags.
//
// Precedence of a setting: CLI flag (overrides) > scenario > suite defaults > the
// ScenarioSpec default. Any value in any of the three layers may be a list; the merged
// lists expand into the cross product.
//
// Errors are pb::core::UsageError naming the field where the bad value was written:
// `suite.json: scenarios[2].frame_size: ...`, `suite.json: defaults.rate[1]: ...`, or
// `--frame-size: ...` for a value that came from the overrides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/suite/scenario.h"

namespace pb::suite {

// Upper bound on the scenarios one suite may expand into.
inline constexpr std::size_t kMaxScenarios = 10000;
// Upper bound of the "capture" key (packets per scenario's pcap file).
inline constexpr unsigned kMaxCapture = 1000000;

// "max" -> 0; otherwise a whole pps in [1, 1e9]: "100000", "100k", "1.5M".
// `what` names the flag or field in the UsageError.
uint64_t parse_rate(std::string_view text, const std::string& what);
// Seconds in (0, 3600]: "5", "2.5", "2s", "500ms", "1m", "1h".
double parse_duration(std::string_view text, const std::string& what);
// A decimal integer in [lo, hi], no sign, no spaces.
unsigned parse_uint(std::string_view text, const std::string& what, unsigned lo, unsigned hi);
// A percentage in [lo, hi], "0.5" or "0.5%", as a ratio (0.005).
double parse_percent(std::string_view text, const std::string& what, double lo, double hi);
// A CLI flag value that may be a comma list: "a" -> "a", "a,b" -> ["a", "b"] (an
// overrides value). Empty items are an error naming `what`.
nlohmann::json split_list_flag(std::string_view text, const std::string& what);

// One scenario object with single values (no lists); keys are the long run flags with
// '-' written '_'; paths and generators are those of `catalog`. Without a "name" key the name is the path plus every other key given,
// in sorted order ("kernel-udp/flows=8/rate=max"). `where` prefixes error messages
// ("suite.json: scenarios[2]").
ScenarioSpec parse_scenario(const nlohmann::json& obj, const std::string& where, const Catalog& catalog);

// Expands {"defaults": {...}, "scenarios": [{...}, ...]} merged under `overrides` (an
// object of the same keys built from the CLI flags the user gave; values may be lists,
// e.g. {"path": ["kernel-udp", "xdp-drop"]}).
// Order: scenarios in file order; inside one, the cross product over list-valued keys in
// sorted key order, first key outermost, list items in given order.
// Names: an explicit "name", with "/key=value" appended for each key that varies (a list
// of two or more); otherwise the path, then "/key=value" for each key the scenario
// itself gave or that varies, in sorted key order ("kernel-udp/rate=max"). A scalar in
// defaults or overrides does not enter names, but overrides a named key's value.
// Scenarios identical (name and settings) to an earlier one are dropped; a name taken by
// a different scenario gets a suffix "#2", "#3", ...
std::vector<ScenarioSpec> expand_suite(const nlohmann::json& suite, const std::string& where,
                                       const nlohmann::json& overrides, const Catalog& catalog);

// Reads and parses a suite file (JSON with comments allowed), without checking its shape.
// Errors name the file, and line:column for malformed JSON.
nlohmann::json read_suite_file(const std::string& path);
// The built-in suite `run` uses without a SUITE argument: kernel-udp, xdp-drop, xdp-pass,
// xdp-tx, afxdp, and dpdk with the af_xdp and af_packet PMDs, each at rate max and at 50000
// pps (for latency); duration 5 s, frame_size 66, flows 8, queues 2.
nlohmann::json default_suite();

}  // namespace pb::suite
