#include "bench/suite/suite.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "bench/core/errors.h"

namespace pb::suite {
namespace {

using core::UsageError;
using nlohmann::json;

constexpr uint64_t kMaxRatePps = 1'000'000'000;
constexpr double kMaxDurationS = 3600.0;

// Wide enough for 24 digits times the "M" multiplier, so parse_rate never overflows.
__extension__ typedef unsigned __int128 Wide;

// "got ..." text for a value: JSON spelling, shortened so a huge value stays readable.
std::string describe(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string describe(std::string_view text) { return describe(json(std::string(text))); }

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean "x"?)" for the closest candidate within a small edit distance, else "".
template <typename Names>
std::string did_you_mean(std::string_view given, const Names& candidates) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, given.size() / 3) + 1;
  for (std::string_view candidate : candidates) {
    std::size_t d = edit_distance(given, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best.empty() ? std::string() : " (did you mean \"" + std::string(best) + "\"?)";
}

template <typename Names>
std::string join(const Names& names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

// Splits "12.5k" into its number "12.5" and suffix "k"; the number must be digits with
// an optional fraction, so signs, exponents, "inf" and "nan" never get through.
bool split_number(std::string_view text, std::string_view& integer, std::string_view& fraction,
                  std::string_view& suffix) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  integer = text.substr(0, i);
  fraction = {};
  if (i < text.size() && text[i] == '.') {
    std::size_t start = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    fraction = text.substr(start, i - start);
    if (fraction.empty()) return false;
  }
  suffix = text.substr(i);
  return !integer.empty();
}

[[noreturn]] void throw_rate(const std::string& what, const std::string& got) {
  throw UsageError(what + ": expected \"max\" or a whole number of packets per second in [1, " +
                   std::to_string(kMaxRatePps) + "] (e.g. 50000, 100k, 1.5M), got " + got);
}

[[noreturn]] void throw_duration(const std::string& what, const std::string& got) {
  throw UsageError(what + ": expected a duration in (0, 3600] seconds (e.g. 5, 2.5, 500ms, 2s, 1m), got " +
                   got);
}

[[noreturn]] void throw_uint(const std::string& what, unsigned lo, unsigned hi, const std::string& got) {
  throw UsageError(what + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                   "], got " + got);
}

[[noreturn]] void throw_percent(const std::string& what, double lo, double hi, const std::string& got) {
  throw UsageError(what + ": expected a percentage in [" + fmt::format("{:g}, {:g}", lo, hi) +
                   "] (0.5 means 0.5 %), got " + got);
}

// Value setters, one per scenario key; `what` names the field in errors.

std::string json_string(const json& value, const std::string& what) {
  if (!value.is_string()) throw UsageError(what + ": expected a string, got " + describe(value));
  return value.get<std::string>();
}

template <typename Names>
std::string json_one_of(const json& value, const std::string& what, const Names& allowed) {
  std::string text = json_string(value, what);
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end())
    throw UsageError(what + ": expected one of " + join(allowed) + ", got " + describe(value) +
                     did_you_mean(text, allowed));
  return text;
}

template <typename E, size_t N>
E json_enum(const json& value, const std::string& what, const std::array<core::EnumName<E>, N>& names) {
  return *core::value_of(names, json_one_of(value, what, core::names_of(names)));
}

unsigned json_uint(const json& value, const std::string& what, unsigned lo, unsigned hi) {
  if (value.is_string()) return parse_uint(value.get<std::string>(), what, lo, hi);
  if (value.is_number_integer()) {
    int64_t v = value.get<int64_t>();
    if (v >= lo && v <= hi) return static_cast<unsigned>(v);
  } else if (value.is_number_float()) {
    double v = value.get<double>();
    if (v >= lo && v <= hi && std::floor(v) == v) return static_cast<unsigned>(v);
  }
  throw_uint(what, lo, hi, describe(value));
}

uint64_t json_rate(const json& value, const std::string& what) {
  if (value.is_string()) return parse_rate(value.get<std::string>(), what);
  if (value.is_number_integer()) {
    // Both signed and unsigned JSON integers: json(8) is signed, parsed 8 is unsigned.
    int64_t v = value.get<int64_t>();
    if (v >= 1 && static_cast<uint64_t>(v) <= kMaxRatePps) return static_cast<uint64_t>(v);
  } else if (value.is_number_float()) {
    double v = value.get<double>();
    if (v >= 1 && v <= static_cast<double>(kMaxRatePps) && std::floor(v) == v) return static_cast<uint64_t>(v);
  }
  throw_rate(what, describe(value));
}

double json_duration(const json& value, const std::string& what) {
  if (value.is_string()) return parse_duration(value.get<std::string>(), what);
  if (value.is_number()) {
    double v = value.get<double>();
    if (std::isfinite(v) && v > 0 && v <= kMaxDurationS) return v;
  }
  throw_duration(what, describe(value));
}

std::string json_name(const json& value, const std::string& what) {
  std::string name = json_string(value, what);
  if (name.empty() || name.size() > 200)
    throw UsageError(what + ": expected a name of 1 to 200 characters, got " + describe(value));
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f)
      throw UsageError(what + ": a name may not contain control characters, got " + describe(value));
  }
  return name;
}


// A percentage in [lo, hi] (0.5 = 0.5 %), as a ratio (0.005).
double json_percent(const json& value, const std::string& what, double lo, double hi) {
  if (value.is_string()) return parse_percent(value.get<std::string>(), what, lo, hi);
  if (value.is_number()) {
    double v = value.get<double>();
    if (std::isfinite(v) && v >= lo && v <= hi) return v / 100;
  }
  throw_percent(what, lo, hi, describe(value));
}

// A hex CPU mask as sysfs takes it ("3", "f,ffffffff"); "0" turns the feature off.
std::string json_cpu_mask(const json& value, const std::string& what) {
  std::string m = json_string(value, what);
  bool ok = !m.empty() && m.size() <= 64;
  for (char c : m) ok = ok && (std::isxdigit(static_cast<unsigned char>(c)) || c == ',');
  if (!ok) throw UsageError(what + ": expected a hex CPU mask like \"3\" or \"f,ffffffff\", got " + describe(value));
  return m;
}

// default | noqueue | pfifo_fast | tbf:RATE | htb:RATE, RATE as tc writes it (100mbit, 1gbit).
core::Qdisc json_qdisc(const json& value, const std::string& what) {
  std::string q = json_string(value, what);
  std::string kind = q.substr(0, q.find(':'));
  std::optional<core::QdiscKind> k = core::value_of(core::kQdiscKindNames, kind);
  bool rated = k == core::QdiscKind::kTbf || k == core::QdiscKind::kHtb;
  std::string rate = q.find(':') == std::string::npos ? "" : q.substr(q.find(':') + 1);
  bool rate_ok = !rate.empty() && std::isdigit(static_cast<unsigned char>(rate[0])) && rate.size() < 20;
  for (char c : rate) rate_ok = rate_ok && std::isalnum(static_cast<unsigned char>(c));
  if (!k || rated != !rate.empty() || (rated && !rate_ok))
    throw UsageError(what + ": expected default, noqueue, pfifo_fast, tbf:RATE or htb:RATE (RATE like 100mbit), got " +
                     describe(value));
  return {*k, rate};
}

std::vector<std::string_view> path_names(const Catalog& c) {
  std::vector<std::string_view> names;
  for (const PathKeys& p : c.paths) names.push_back(p.name);
  return names;
}

std::vector<std::string_view> generator_names(const Catalog& c) {
  std::vector<std::string_view> names = {"auto"};
  names.insert(names.end(), c.generators.begin(), c.generators.end());
  return names;
}

// "tcplife,skbdrop": tools of the catalog, each once; "" or "none": no tool. One string,
// since a JSON list in a suite is a matrix axis (["tcplife", "skbdrop"]: two scenarios).
std::vector<std::string> json_tools(const json& value, const std::string& what, const Catalog& c) {
  std::string text = json_string(value, what);
  std::vector<std::string> tools;
  if (text.empty() || text == "none") return tools;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw UsageError(what + ": empty item in tool list " + describe(value));
    if (std::find(c.tools.begin(), c.tools.end(), item) == c.tools.end())
      throw UsageError(what + ": unknown tool " + describe(json(item)) +
                       (c.tools.empty() ? std::string(" (this build has no tools: BPF was off)")
                                        : did_you_mean(item, c.tools) + " (pathbench probe --list shows them)"));
    if (std::find(tools.begin(), tools.end(), item) != tools.end())
      throw UsageError(what + ": tool " + describe(json(item)) + " given twice");
    tools.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return tools;
}

using Setter = void (*)(ScenarioSpec&, const json&, const std::string&, const Catalog&);

struct KeyInfo {
  std::string_view key;
  Setter set;
};

constexpr std::string_view kNameKey = "name";
constexpr std::string_view kPathKey = "path";

// Every scenario key, sorted; add a row here (and a ScenarioSpec field) for a new flag.
#define PB_KEY(key, body) {key, [](ScenarioSpec& s, const json& v, const std::string& w, const Catalog& c) { \
                           (void)c;                                                                      \
                           body;                                                                         \
                         }}
constexpr KeyInfo kKeys[] = {
    PB_KEY("afxdp_mode", s.afxdp_mode = json_enum(v, w, core::kAfxdpModeNames)),
    PB_KEY("busy_poll", s.busy_poll = json_one_of(v, w, std::array<std::string_view, 2>{"off", "on"}) == "on"),
    PB_KEY("capture", s.capture = json_uint(v, w, 0, kMaxCapture)),
    PB_KEY("dpdk_engine", s.dpdk_engine = json_enum(v, w, core::kDpdkEngineNames)),
    PB_KEY("dst_port", s.dst_port = json_uint(v, w, 1, 65535)),
    PB_KEY("duration", s.duration_s = json_duration(v, w)),
    PB_KEY("flows", s.flows = json_uint(v, w, 1, 65535)),
    PB_KEY("frame_size", s.frame_size = json_uint(v, w, 66, 9000)),
    PB_KEY("generator", s.generator = json_one_of(v, w, generator_names(c))),
    PB_KEY(kNameKey, s.name = json_name(v, w)),
    PB_KEY(kPathKey, s.path = json_one_of(v, w, path_names(c))),
    PB_KEY("message_size", s.message_size = json_uint(v, w, 0, 1u << 20)),
    PB_KEY("pmd", s.pmd = json_enum(v, w, core::kDpdkPmdNames)),
    PB_KEY("queues", s.queues = json_uint(v, w, 1, 64)),
    PB_KEY("qdisc", s.qdisc = json_qdisc(v, w)),
    PB_KEY("rate", s.rate_pps = json_rate(v, w)),
    PB_KEY("rcvbuf", s.rcvbuf = json_uint(v, w, 0, 1u << 30)),
    PB_KEY("rfs_entries", s.rfs_entries = json_uint(v, w, 0, 1u << 20)),
    PB_KEY("rps_cpus", s.rps_cpus = json_cpu_mask(v, w)),
    PB_KEY("tcp_mode", s.tcp_mode = json_enum(v, w, core::kTcpModeNames)),
    PB_KEY("topology",
           s.topology = json_enum(v, w, core::kTopologyNames);
           if (s.topology == core::TopologyKind::kLab) throw UsageError(w + ": topology \"lab\" is not implemented yet")),
    PB_KEY("tools", s.tools = json_tools(v, w, c)),
    PB_KEY("trials", s.trials = json_uint(v, w, 1, 100)),
    PB_KEY("repeat", s.repeat = json_uint(v, w, 1, 100)),
    PB_KEY("search", s.search = json_enum(v, w, core::kSearchModeNames)),
    PB_KEY("pdr_loss", s.pdr_loss = json_percent(v, w, 0, 10)),
    PB_KEY("search_width", s.search_width = json_percent(v, w, 0.01, 50)),
    PB_KEY("max_search_time", s.max_search_time_s = json_duration(v, w)),
    PB_KEY("xdp_mode", s.xdp_mode = json_enum(v, w, core::kXdpModeNames)),
    PB_KEY("xps_cpus", s.xps_cpus = json_cpu_mask(v, w)),
};
#undef PB_KEY

std::vector<std::string_view> key_names() {
  std::vector<std::string_view> names;
  for (const KeyInfo& info : kKeys) names.push_back(info.key);
  return names;
}

const KeyInfo& find_key(const std::string& key, const std::string& what) {
  for (const KeyInfo& info : kKeys) {
    if (info.key == key) return info;
  }
  std::vector<std::string_view> names = key_names();
  std::string hint = did_you_mean(key, names);
  throw UsageError(what + ": unknown key" + (hint.empty() ? " (known keys: " + join(names) + ")" : hint));
}

std::string field(const std::string& where, std::string_view key) {
  return where.empty() ? std::string(key) : where + "." + std::string(key);
}

// The spelling of a value inside a name: strings bare, numbers as JSON writes them.
std::string name_value(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Equal settings, whatever the names and the keys as given.
bool same_settings(ScenarioSpec a, ScenarioSpec b) {
  a.name.clear();
  b.name.clear();
  a.given = b.given = {};
  return a == b;
}

// Where each layer's values were written, for error messages.
enum class Layer { kDefaults, kScenario, kOverrides };

// Checks every key and value (list items too) of one layer where it was written, so an
// error points at the file location (or flag) rather than at the merged result.
void check_layer(const json& obj, Layer layer, const std::string& where, const Catalog& catalog) {
  for (const auto& [key, value] : obj.items()) {
    std::string what = field(where, key);
    if (layer == Layer::kOverrides) {
      what = "--" + key;
      std::replace(what.begin(), what.end(), '_', '-');
    }
    const KeyInfo& info = find_key(key, what);
    if (key == kNameKey && layer == Layer::kDefaults)
      throw UsageError(what + ": a name belongs to one scenario, not to the defaults");
    if (key == kNameKey && layer == Layer::kOverrides)
      throw UsageError(what + ": cannot override scenario names");
    ScenarioSpec scratch;
    if (!value.is_array()) {
      info.set(scratch, value, what, catalog);
      continue;
    }
    if (key == kNameKey) throw UsageError(what + ": expected a string, got a list");
    if (value.empty()) throw UsageError(what + ": empty list; give at least one value");
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::string item_what = layer == Layer::kOverrides ? what : what + "[" + std::to_string(i) + "]";
      if (value[i].is_array() || value[i].is_object())
        throw UsageError(item_what + ": expected a single value, got " + describe(value[i]));
      info.set(scratch, value[i], item_what, catalog);
    }
  }
}

void require_object(const json& value, const std::string& what) {
  if (!value.is_object()) throw UsageError(what + ": expected an object {...}, got " + describe(value));
}

// Keys only one path reads. Where the suite (not the command line) gives one to a scenario
// none of whose paths reads it, e.g. the default suite's dpdk pmd list once --path
// kernel-udp (or --path kernel-udp,xdp-drop) replaced its path, it is dropped instead of
// multiplying names.
void drop_foreign_keys(json& merged, const json& overrides, const Catalog& catalog) {
  auto path = merged.find(std::string(kPathKey));
  if (path == merged.end()) return;
  std::vector<std::string> paths;
  for (const json& p : path->is_array() ? *path : json::array({*path}))
    if (p.is_string()) paths.push_back(p.get<std::string>());
  for (const PathKeys& p : catalog.paths)
    if (std::find(paths.begin(), paths.end(), p.name) == paths.end())
      for (std::string_view key : p.own_keys)
        if (!overrides.contains(std::string(key))) merged.erase(std::string(key));
}

// A search picks its own loads and trials: a rate or trial count beside it is dropped, so
// `--search ndr-pdr` over the default suite's rate list searches each path once, under a
// name without a rate.
void drop_search_ignored(json& one) {
  auto search = one.find("search");
  if (search == one.end() || *search != json(core::name_of(core::kSearchModeNames, core::SearchMode::kNdrPdr)))
    return;
  one.erase("rate");
  one.erase("trials");
}

// Appends spec under its name, applying the drop-identical / "#N" suffix rule.
void add_unique(std::vector<ScenarioSpec>& out, std::map<std::string, std::size_t>& by_name, ScenarioSpec spec,
                bool named_by_user) {
  // A generated name for settings already there (two suite entries an override made
  // equal) runs once, under the first name; a name the user gave always runs.
  if (!named_by_user)
    for (const ScenarioSpec& have : out)
      if (same_settings(have, spec)) return;
  const std::string base = spec.name;
  for (unsigned n = 1;; ++n) {
    std::string candidate = n == 1 ? base : base + "#" + std::to_string(n);
    auto it = by_name.find(candidate);
    if (it == by_name.end()) {
      spec.name = candidate;
      by_name.emplace(candidate, out.size());
      out.push_back(std::move(spec));
      return;
    }
    if (same_settings(out[it->second], spec)) return;
  }
}

}  // namespace

uint64_t parse_rate(std::string_view text, const std::string& what) {
  if (text == "max") return 0;
  std::string_view integer, fraction, suffix;
  if (!split_number(text, integer, fraction, suffix) || integer.size() + fraction.size() > 24)
    throw_rate(what, describe(text));
  Wide multiplier = 1;
  if (suffix == "k" || suffix == "K") {
    multiplier = 1000;
  } else if (suffix == "M") {
    multiplier = 1000000;
  } else if (!suffix.empty()) {
    throw_rate(what, describe(text));
  }
  Wide mantissa = 0, scale = 1;
  for (char c : integer) mantissa = mantissa * 10 + static_cast<unsigned>(c - '0');
  for (char c : fraction) {
    mantissa = mantissa * 10 + static_cast<unsigned>(c - '0');
    scale *= 10;
  }
  Wide scaled = mantissa * multiplier;
  if (scaled % scale != 0) throw_rate(what, describe(text));
  Wide pps = scaled / scale;
  if (pps < 1 || pps > kMaxRatePps) throw_rate(what, describe(text));
  return static_cast<uint64_t>(pps);
}

double parse_duration(std::string_view text, const std::string& what) {
  std::string_view integer, fraction, suffix;
  if (!split_number(text, integer, fraction, suffix)) throw_duration(what, describe(text));
  double unit = 1.0;
  if (suffix == "ms") {
    unit = 0.001;
  } else if (suffix == "m") {
    unit = 60.0;
  } else if (suffix == "h") {
    unit = 3600.0;
  } else if (!suffix.empty() && suffix != "s") {
    throw_duration(what, describe(text));
  }
  double number = 0;
  const char* end = text.data() + integer.size() + (fraction.empty() ? 0 : fraction.size() + 1);
  auto [ptr, ec] = std::from_chars(text.data(), end, number, std::chars_format::fixed);
  if (ec != std::errc() || ptr != end) throw_duration(what, describe(text));
  double seconds = number * unit;
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > kMaxDurationS) throw_duration(what, describe(text));
  return seconds;
}

unsigned parse_uint(std::string_view text, const std::string& what, unsigned lo, unsigned hi) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < lo || value > hi)
    throw_uint(what, lo, hi, describe(text));
  return static_cast<unsigned>(value);
}

double parse_percent(std::string_view text, const std::string& what, double lo, double hi) {
  std::string_view integer, fraction, suffix;
  if (split_number(text, integer, fraction, suffix) && (suffix.empty() || suffix == "%")) {
    double v = std::strtod(std::string(text.substr(0, text.size() - suffix.size())).c_str(), nullptr);
    if (v >= lo && v <= hi) return v / 100;
  }
  throw_percent(what, lo, hi, describe(text));
}

json split_list_flag(std::string_view text, const std::string& what) {
  json items = json::array();
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (item.empty()) throw UsageError(what + ": empty item in list " + describe(text));
    items.push_back(std::string(item));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items.size() == 1 ? items[0] : items;
}

ScenarioSpec parse_scenario(const json& obj, const std::string& where, const Catalog& catalog) {
  require_object(obj, where.empty() ? "scenario" : where);
  ScenarioSpec spec;
  std::string auto_name;
  for (const auto& [key, value] : obj.items()) {
    std::string what = field(where, key);
    const KeyInfo& info = find_key(key, what);
    if (value.is_array())
      throw UsageError(what + ": expected a single value, got a list (lists belong in a suite, which expands them)");
    info.set(spec, value, what, catalog);
    if (key != kNameKey && key != kPathKey) auto_name += "/" + key + "=" + name_value(value);
  }
  if (!obj.contains(kNameKey)) spec.name = spec.path + auto_name;
  spec.given = reports::RawJson{obj.dump()};
  return spec;
}

std::vector<ScenarioSpec> expand_suite(const json& suite, const std::string& where, const json& overrides,
                                       const Catalog& catalog) {
  auto top = [&](std::string_view key) { return where.empty() ? std::string(key) : where + ": " + std::string(key); };
  if (!suite.is_object())
    throw UsageError((where.empty() ? std::string("suite") : where) +
                     ": expected a suite object {\"defaults\": {...}, \"scenarios\": [...]}, got " + describe(suite));
  constexpr std::array<std::string_view, 2> kSuiteKeys{"defaults", "scenarios"};
  for (const auto& [key, value] : suite.items()) {
    if (std::find(kSuiteKeys.begin(), kSuiteKeys.end(), key) == kSuiteKeys.end()) {
      std::string hint = did_you_mean(key, kSuiteKeys);
      throw UsageError(top(key) + ": unknown key" + (hint.empty() ? " (a suite has \"defaults\" and \"scenarios\")" : hint));
    }
  }
  json defaults = json::object();
  if (suite.contains("defaults")) {
    defaults = suite["defaults"];
    require_object(defaults, top("defaults"));
    check_layer(defaults, Layer::kDefaults, top("defaults"), catalog);
  }
  if (!suite.contains("scenarios")) throw UsageError(top("scenarios") + ": missing; give a list of scenario objects");
  const json& scenarios = suite["scenarios"];
  if (!scenarios.is_array())
    throw UsageError(top("scenarios") + ": expected a list of scenario objects, got " + describe(scenarios));
  if (scenarios.empty()) throw UsageError(top("scenarios") + ": empty; a suite needs at least one scenario");
  if (!overrides.is_object()) throw UsageError("overrides: expected an object, got " + describe(overrides));
  check_layer(overrides, Layer::kOverrides, "", catalog);

  struct Entry {
    std::string where;
    json merged;                      // defaults, then scenario, then overrides
    std::vector<std::string> named;   // keys shown in generated names, sorted
    std::vector<std::string> axes;    // list-valued keys, sorted
    std::size_t count = 1;
  };
  std::vector<Entry> entries;
  std::size_t total = 0;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    Entry entry;
    entry.where = top("scenarios[" + std::to_string(i) + "]");
    const json& scenario = scenarios[i];
    require_object(scenario, entry.where);
    check_layer(scenario, Layer::kScenario, entry.where, catalog);
    entry.merged = defaults;
    for (const auto& [key, value] : scenario.items()) entry.merged[key] = value;
    for (const auto& [key, value] : overrides.items()) entry.merged[key] = value;
    drop_foreign_keys(entry.merged, overrides, catalog);
    // json objects iterate in sorted key order, which fixes both name and expansion order.
    for (auto& [key, value] : entry.merged.items()) {
      if (value.is_array() && value.size() == 1) value = json(value[0]);
      bool varies = value.is_array();
      if (varies) {
        entry.axes.push_back(key);
        entry.count = std::min(entry.count * value.size(), kMaxScenarios + 1);
      }
      // An explicit name shows only what varies; a generated one starts with the path,
      // then shows what the scenario gave and what varies.
      bool shown = scenario.contains(kNameKey) ? varies : (varies || scenario.contains(key)) && key != kPathKey;
      if (shown && key != kNameKey) entry.named.push_back(key);
    }
    total += entry.count;
    if (total > kMaxScenarios)
      throw UsageError((where.empty() ? std::string("suite") : where) + ": expands to more than " +
                       std::to_string(kMaxScenarios) + " scenarios (at " + entry.where + ")");
    entries.push_back(std::move(entry));
  }

  std::vector<ScenarioSpec> out;
  std::map<std::string, std::size_t> by_name;
  for (const Entry& entry : entries) {
    std::vector<std::size_t> index(entry.axes.size(), 0);
    for (std::size_t n = 0; n < entry.count; ++n) {
      json one = entry.merged;
      for (std::size_t a = 0; a < entry.axes.size(); ++a) one[entry.axes[a]] = entry.merged[entry.axes[a]][index[a]];
      // With the path chosen, what only other paths read goes (--path dpdk,kernel-udp over a
      // pmd list: kernel-udp once, not once per pmd).
      drop_foreign_keys(one, overrides, catalog);
      drop_search_ignored(one);
      ScenarioSpec spec = parse_scenario(one, entry.where, catalog);
      std::string name = one.contains(kNameKey) ? one[kNameKey].get<std::string>() : spec.path;
      for (const std::string& key : entry.named)
        if (one.contains(key)) name += "/" + key + "=" + name_value(one[key]);
      spec.name = std::move(name);
      add_unique(out, by_name, std::move(spec), one.contains(kNameKey));
      // Odometer step: the last axis turns fastest.
      for (std::size_t a = entry.axes.size(); a-- > 0;) {
        if (++index[a] < entry.merged[entry.axes[a]].size()) break;
        index[a] = 0;
      }
    }
  }
  return out;
}

json read_suite_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot read suite file: " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw UsageError(path + ": cannot read suite file: " + std::strerror(errno));
  std::string text = buffer.str();
  try {
    return json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    // what() reads "[json.exception.parse_error.101] parse error at line 3, column 14: reason".
    std::string what = e.what();
    std::size_t line = 0, column = 0;
    int reason_at = -1;
    std::size_t at = what.find(" at line ");
    if (at != std::string::npos &&
        std::sscanf(what.c_str() + at, " at line %zu, column %zu: %n", &line, &column, &reason_at) == 2 &&
        reason_at > 0)
      throw UsageError(path + ":" + std::to_string(line) + ":" + std::to_string(column) +
                       ": malformed JSON: " + what.substr(at + static_cast<std::size_t>(reason_at)));
    throw UsageError(path + ": malformed JSON: " + what);
  }
}

json default_suite() {
  return json{
      {"defaults", {{"duration", 5}, {"frame_size", 66}, {"flows", 8}, {"queues", 2}}},
      {"scenarios", json::array({json{{"path", {"kernel-udp", "xdp-drop", "xdp-pass", "xdp-tx", "afxdp"}},
                                      {"rate", {"max", 50000}}},
                                 json{{"path", "dpdk"}, {"pmd", {"af_xdp", "af_packet"}}, {"rate", {"max", 50000}}}})},
  };
}

}  // namespace pb::suite
