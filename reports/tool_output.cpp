#include "reports/tool_output.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <system_error>

#include "bench/core/histogram_buckets.h"

namespace pb::reports {

using core::Field;
using core::FieldType;
using core::Values;
using json = nlohmann::ordered_json;

namespace {

constexpr size_t kBarWidth = 40;

// Keys every line carries besides the tool's own fields.
constexpr const char* kTypeKey = "type";
constexpr const char* kToolKey = "tool";

std::string dump_line(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json fields_value(std::span<const Field> fields, const Values& values);
json histogram_value(const core::Histogram& h, std::string_view unit);
json summary_value(const core::ToolSchema& schema, const core::Summary& s);
json event_value(const core::ToolSchema& schema, const Values& values);
json tool_entry_value(const core::ToolSchema& schema, std::string_view doc, bool works, const std::string& reason,
                      const std::vector<std::string>& options);
json error_value(const std::string& message, int exit_code);
json tool_lines_schema_value(std::span<const core::ToolSchema> schemas);

bool is_column(const Field& f) { return f.type != FieldType::kLines; }
bool is_number(const Field& f) { return f.type == FieldType::kUint || f.type == FieldType::kInt || f.type == FieldType::kFloat; }

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

size_t column_width(const Field& f) { return std::max(size_t(std::max(f.width, 0)), f.name.size()); }

std::string format_value(const Field& f, const core::Value& v) {
  struct Visit {
    const Field& f;
    std::string operator()(std::monostate) const { return "-"; }
    std::string operator()(uint64_t x) const { return std::to_string(x); }
    std::string operator()(int64_t x) const { return std::to_string(x); }
    std::string operator()(double x) const { return fmt::format("{:.{}f}", x, std::max(f.decimals, 0)); }
    std::string operator()(const std::string& s) const { return s.empty() ? "-" : s; }
    std::string operator()(const std::vector<std::string>& l) const { return fmt::format("{}", fmt::join(l, ",")); }
  };
  return std::visit(Visit{f}, v);
}

namespace {
json to_json_value(const core::Value& v) {
  struct Visit {
    json operator()(std::monostate) const { return nullptr; }
    json operator()(uint64_t x) const { return x; }
    json operator()(int64_t x) const { return x; }
    json operator()(double x) const { return x; }
    json operator()(const std::string& s) const { return s; }
    json operator()(const std::vector<std::string>& l) const { return l; }
  };
  return std::visit(Visit{}, v);
}
}  // namespace

// Joins padded cells with one space; the last cell is not padded.
std::string join_cells(const std::vector<std::pair<const Field*, std::string>>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    const auto& [f, text] = cells[i];
    size_t w = column_width(*f);
    bool last = i + 1 == cells.size();
    if (i) line += ' ';
    if (is_number(*f)) line += fmt::format("{:>{}}", text, w);
    else line += last ? text : fmt::format("{:<{}}", text, w);
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

const char* type_name(FieldType t) {
  switch (t) {
    case FieldType::kUint: return "uint";
    case FieldType::kInt: return "int";
    case FieldType::kFloat: return "float";
    case FieldType::kString: return "string";
    case FieldType::kLines: return "lines";
  }
  return "?";
}

json fields_json(std::span<const Field> fields) {
  json out = json::array();
  for (const Field& f : fields)
    out.push_back({{"name", f.name}, {"type", type_name(f.type)}, {"unit", f.unit}, {"doc", f.doc}, {"nullable", f.nullable}});
  return out;
}

// A power-of-two view's bound: 1024 -> "1K", 3145728 -> "3M"; other values as they are.
std::string pow2_label(uint64_t v) {
  static constexpr const char* kSuffix[] = {"", "K", "M", "G", "T", "P", "E"};
  size_t i = 0;
  while (v >= 1024 && v % 1024 == 0 && i + 1 < std::size(kSuffix)) {
    v /= 1024;
    ++i;
  }
  return std::to_string(v) + kSuffix[i];
}

std::string row_label(const HistogramRow& r, bool log2) {
  auto num = [&](uint64_t v) { return log2 ? pow2_label(v) : std::to_string(v); };
  if (r.lower == r.upper) return fmt::format("[{}]", num(r.lower));
  return fmt::format("[{}, {})", num(r.lower), r.upper == UINT64_MAX ? "inf" : num(r.upper + 1));
}

std::string unit_suffix(const Field& f) { return f.unit.empty() ? "" : fmt::format(" ({})", f.unit); }

json field_schema(const Field& f) {
  json s;
  switch (f.type) {
    case FieldType::kUint: s = {{"type", "integer"}, {"minimum", 0}}; break;
    case FieldType::kInt: s = {{"type", "integer"}}; break;
    case FieldType::kFloat: s = {{"type", "number"}}; break;
    case FieldType::kString: s = {{"type", "string"}}; break;
    case FieldType::kLines: s = {{"type", "array"}, {"items", {{"type", "string"}}}}; break;
  }
  if (f.nullable) s["type"] = json::array({s["type"], "null"});
  s["description"] = std::string(f.doc) + (f.unit.empty() ? "" : fmt::format(" [{}]", f.unit));
  return s;
}

json object_schema(const json& properties, const json& required) {
  return {{"type", "object"}, {"properties", properties}, {"required", required}, {"additionalProperties", false}};
}

class TextOutput final : public core::EventSink {
 public:
  TextOutput(const core::ToolSchema& schema, std::ostream& out, bool log2) : schema_(schema), out_(out), log2_(log2) {}
  void begin() override { header(); }
  void event(const Values& values) override {
    if (need_header_) header();
    out_ << text_row(schema_.event_fields, values) << '\n';
  }
  void summary(const core::Summary& s) override {
    out_ << render_summary_text(schema_, s, log2_);
    need_header_ = true;
    flush();
  }
  void flush() override {
    out_.flush();
    if (!out_) throw std::system_error(EPIPE, std::generic_category(), "write output");
  }

 private:
  void header() {
    std::string h = text_header(schema_.event_fields);
    if (!h.empty()) out_ << h << '\n';
    need_header_ = false;
  }
  core::ToolSchema schema_;
  std::ostream& out_;
  bool log2_;
  bool need_header_ = true;
};

class JsonLinesOutput final : public core::EventSink {
 public:
  JsonLinesOutput(const core::ToolSchema& schema, std::ostream& out) : schema_(schema), out_(out) {}
  void event(const Values& values) override { out_ << dump_line(event_value(schema_, values)) << '\n'; }
  void summary(const core::Summary& s) override {
    out_ << dump_line(summary_value(schema_, s)) << '\n';
    flush();
  }
  void flush() override {
    out_.flush();
    if (!out_) throw std::system_error(EPIPE, std::generic_category(), "write output");
  }

 private:
  core::ToolSchema schema_;
  std::ostream& out_;
};

}  // namespace

std::unique_ptr<core::EventSink> make_tool_output(const core::ToolSchema& schema, std::ostream& out,
                                                  ToolOutputOptions opts) {
  if (opts.json) return std::make_unique<JsonLinesOutput>(schema, out);
  return std::make_unique<TextOutput>(schema, out, opts.log2);
}

std::string text_header(std::span<const Field> fields) {
  std::vector<std::pair<const Field*, std::string>> cells;
  for (const Field& f : fields)
    if (is_column(f)) cells.emplace_back(&f, upper(f.name));
  return join_cells(cells);
}

std::string text_row(std::span<const Field> fields, const Values& values) {
  std::vector<std::pair<const Field*, std::string>> cells;
  std::string below;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    const core::Value& v = i < values.size() ? values[i] : core::Value{};
    if (is_column(f)) {
      cells.emplace_back(&f, format_value(f, v));
      continue;
    }
    if (const auto* lines = std::get_if<std::vector<std::string>>(&v))
      for (const auto& l : *lines) below += "\n        " + l;
  }
  return join_cells(cells) + below;
}

namespace {
json fields_value(std::span<const Field> fields, const Values& values) {
  json out = json::object();
  for (size_t i = 0; i < fields.size(); ++i)
    out[std::string(fields[i].name)] = i < values.size() ? to_json_value(values[i]) : json(nullptr);
  return out;
}
}  // namespace

std::vector<HistogramRow> histogram_rows(const core::Histogram& h, unsigned rows_per_octave) {
  unsigned m = std::clamp(rows_per_octave, 1u, PB_HIST_SUB_BUCKETS);
  unsigned k = 0;
  while ((2u << k) <= m) ++k;  // m rounded down to 2^k
  std::vector<HistogramRow> rows;
  for (size_t idx = 0; idx < core::Histogram::kBuckets; ++idx) {
    uint64_t c = h.bucket_count(idx);
    if (!c) continue;
    uint64_t lo = pb_hist_bucket_lower(uint32_t(idx)), hi = pb_hist_bucket_upper(uint32_t(idx));
    uint64_t rl = lo, ru = lo;
    if (lo >= (uint64_t{1} << k)) {
      unsigned shift = pb_hist_msb(lo) - k;
      rl = (lo >> shift) << shift;
      ru = rl + ((uint64_t{1} << shift) - 1);
    }
    ru = std::max(ru, hi);
    if (!rows.empty() && rows.back().lower == rl) {
      rows.back().count += c;
      rows.back().upper = std::max(rows.back().upper, ru);
    } else {
      rows.push_back({rl, ru, c});
    }
  }
  return rows;
}

std::string render_histogram(const core::Histogram& h, const Field& spec, bool log2, size_t max_rows) {
  std::string out = fmt::format("{}{}", spec.name, unit_suffix(spec));
  if (h.empty()) return out + ": no values\n";
  out += fmt::format(": count {}, min {}, mean {:.1f}, p50 {}, p90 {}, p99 {}, max {}\n", h.count(), h.min(), h.mean(),
                     h.percentile(50), h.percentile(90), h.percentile(99), h.max());
  unsigned m = log2 ? 1 : PB_HIST_SUB_BUCKETS;
  std::vector<HistogramRow> rows = histogram_rows(h, m);
  while (!log2 && rows.size() > max_rows && m > 1) rows = histogram_rows(h, m /= 2);
  if (log2) out += "power-of-two rows:\n";
  else if (m == PB_HIST_SUB_BUCKETS) out += fmt::format("log-linear rows, the buckets themselves (each under {:.1f} % wide):\n", 100.0 / m);
  else out += fmt::format("log-linear rows, {} per power of two (each under {:.1f} % wide; the percentiles above are within 1 %):\n", m, 100.0 / m);
  uint64_t top = 0;
  size_t label_w = 0;
  for (const auto& r : rows) {
    top = std::max(top, r.count);
    label_w = std::max(label_w, row_label(r, log2).size());
  }
  size_t count_w = std::to_string(top).size();
  for (const auto& r : rows) {
    size_t bar = size_t((r.count * kBarWidth + top - 1) / top);
    out += fmt::format("{:<{}} {:>{}} |{:<{}}|\n", row_label(r, log2), label_w, r.count, count_w, std::string(bar, '@'),
                       kBarWidth);
  }
  return out;
}

namespace {
json histogram_value(const core::Histogram& h, std::string_view unit) {
  json buckets = json::array();
  for (const auto& [upper, count] : h.buckets()) buckets.push_back({upper, count});
  return {{"unit", unit},
          {"count", h.count()},
          {"min", h.min()},
          {"mean", h.mean()},
          {"p50", h.percentile(50)},
          {"p90", h.percentile(90)},
          {"p99", h.percentile(99)},
          {"p999", h.percentile(99.9)},
          {"max", h.max()},
          {"histogram", std::move(buckets)}};
}
}  // namespace

std::string render_summary_text(const core::ToolSchema& schema, const core::Summary& s, bool log2) {
  std::string out = fmt::format("--- {}: {}{:.2f}-{:.2f} s: {} events", schema.tool, s.final ? "total, " : "",
                                std::max(0.0, s.elapsed_s - s.interval_s), s.elapsed_s, s.events);
  out += s.lost ? fmt::format(", {} LOST (ring buffer full)", s.lost) : std::string(", 0 lost");
  out += " ---\n";
  if (!schema.summary_fields.empty() && !s.rows.empty()) {
    out += text_header(schema.summary_fields) + '\n';
    for (const auto& r : s.rows) out += text_row(schema.summary_fields, r) + '\n';
  }
  for (size_t i = 0; i < schema.histograms.size() && i < s.histograms.size(); ++i)
    out += render_histogram(s.histograms[i], schema.histograms[i], log2);
  for (const auto& n : s.notes) out += "note: " + n + '\n';
  return out + '\n';
}

namespace {
json summary_value(const core::ToolSchema& schema, const core::Summary& s) {
  json rows = json::array();
  for (const auto& r : s.rows) rows.push_back(fields_value(schema.summary_fields, r));
  json hists = json::object();
  for (size_t i = 0; i < schema.histograms.size(); ++i)
    hists[std::string(schema.histograms[i].name)] =
        histogram_value(i < s.histograms.size() ? s.histograms[i] : core::Histogram{}, schema.histograms[i].unit);
  return {{kTypeKey, "summary"}, {kToolKey, schema.tool}, {"final", s.final},   {"elapsed_s", s.elapsed_s},
          {"interval_s", s.interval_s}, {"events", s.events}, {"lost", s.lost}, {"rows", rows},
          {"histograms", hists},   {"notes", s.notes}};
}
}  // namespace

namespace {
json event_value(const core::ToolSchema& schema, const Values& values) {
  json j = {{kTypeKey, "event"}, {kToolKey, schema.tool}};
  j.update(fields_value(schema.event_fields, values));
  return j;
}
}  // namespace

std::string render_fields_help(const core::ToolSchema& schema) {
  auto table = [](std::string_view title, std::span<const Field> fields, bool typed) {
    if (fields.empty()) return std::string();
    size_t name_w = 4, unit_w = 4;
    for (const Field& f : fields) {
      name_w = std::max(name_w, f.name.size());
      unit_w = std::max(unit_w, f.unit.size());
    }
    std::string out = fmt::format("{}:\n  {:<{}}  {:<6}  {:<{}}  {}\n", title, "NAME", name_w, typed ? "TYPE" : "",
                                  "UNIT", unit_w, "MEANING");
    for (const Field& f : fields)
      out += fmt::format("  {:<{}}  {:<6}  {:<{}}  {}{}\n", f.name, name_w, typed ? type_name(f.type) : "",
                         f.unit.empty() ? "-" : f.unit, unit_w, f.doc, f.nullable ? " (null when unknown)" : "");
    return out;
  };
  return table("Event fields (text columns upper-cased, JSON keys as written)", schema.event_fields, true) +
         table("Summary rows (every --interval, and the whole run at the end)", schema.summary_fields, true) +
         table("Histograms (in every summary)", schema.histograms, false);
}

namespace {
json tool_entry_value(const core::ToolSchema& schema, std::string_view doc, bool works, const std::string& reason,
                     const std::vector<std::string>& options) {
  return {{kTypeKey, "tool"},
          {"name", schema.tool},
          {"doc", doc},
          {"works", works},
          {"reason", reason.empty() ? json(nullptr) : json(reason)},
          {"options", options},
          {"fields", fields_json(schema.event_fields)},
          {"summary_fields", fields_json(schema.summary_fields)},
          {"histograms", fields_json(schema.histograms)}};
}
}  // namespace

namespace {
json error_value(const std::string& message, int exit_code) {
  return {{kTypeKey, "error"}, {"error", message}, {"exit_code", exit_code}};
}
}  // namespace

namespace {
json tool_lines_schema_value(std::span<const core::ToolSchema> schemas) {
  json defs = json::object();
  json one_of = json::array();
  auto add = [&](const std::string& name, json def) {
    defs[name] = std::move(def);
    one_of.push_back({{"$ref", "#/$defs/" + name}});
  };
  json field_entry = object_schema(
      {{"name", {{"type", "string"}}},
       {"type", {{"enum", json::array({"uint", "int", "float", "string", "lines"})}}},
       {"unit", {{"type", "string"}}},
       {"doc", {{"type", "string"}}},
       {"nullable", {{"type", "boolean"}}}},
      json::array({"name", "type", "unit", "doc", "nullable"}));
  defs["field"] = field_entry;
  defs["histogram"] = {
      {"type", "object"},
      {"required", json::array({"unit", "count", "min", "mean", "p50", "p90", "p99", "p999", "max", "histogram"})},
      {"properties",
       {{"unit", {{"type", "string"}}},
        {"count", {{"type", "integer"}, {"minimum", 0}}},
        {"min", {{"type", "integer"}, {"minimum", 0}}},
        {"mean", {{"type", "number"}}},
        {"p50", {{"type", "integer"}, {"minimum", 0}}},
        {"p90", {{"type", "integer"}, {"minimum", 0}}},
        {"p99", {{"type", "integer"}, {"minimum", 0}}},
        {"p999", {{"type", "integer"}, {"minimum", 0}}},
        {"max", {{"type", "integer"}, {"minimum", 0}}},
        {"histogram",
         {{"type", "array"},
          {"items", {{"type", "array"}, {"items", {{"type", "integer"}, {"minimum", 0}}}, {"minItems", 2}, {"maxItems", 2}}}}}}},
      {"additionalProperties", false}};
  for (const auto& s : schemas) {
    std::string tool(s.tool);
    json props = {{kTypeKey, {{"const", "event"}}}, {kToolKey, {{"const", tool}}}};
    json required = json::array({kTypeKey, kToolKey});
    for (const Field& f : s.event_fields) {
      props[std::string(f.name)] = field_schema(f);
      required.push_back(f.name);
    }
    add(tool + "_event", object_schema(props, required));

    json row_props = json::object(), row_required = json::array();
    for (const Field& f : s.summary_fields) {
      row_props[std::string(f.name)] = field_schema(f);
      row_required.push_back(f.name);
    }
    json hist_props = json::object(), hist_required = json::array();
    for (const Field& f : s.histograms) {
      hist_props[std::string(f.name)] = {{"$ref", "#/$defs/histogram"}, {"description", f.doc}};
      hist_required.push_back(f.name);
    }
    add(tool + "_summary",
        object_schema({{kTypeKey, {{"const", "summary"}}},
                       {kToolKey, {{"const", tool}}},
                       {"final", {{"type", "boolean"}}},
                       {"elapsed_s", {{"type", "number"}, {"minimum", 0}}},
                       {"interval_s", {{"type", "number"}, {"minimum", 0}}},
                       {"events", {{"type", "integer"}, {"minimum", 0}}},
                       {"lost", {{"type", "integer"}, {"minimum", 0}}},
                       {"rows", {{"type", "array"}, {"items", object_schema(row_props, row_required)}}},
                       {"histograms", object_schema(hist_props, hist_required)},
                       {"notes", {{"type", "array"}, {"items", {{"type", "string"}}}}}},
                      json::array({kTypeKey, kToolKey, "final", "elapsed_s", "interval_s", "events", "lost", "rows",
                                   "histograms", "notes"})));
  }
  json field_list = {{"type", "array"}, {"items", {{"$ref", "#/$defs/field"}}}};
  add("tool_entry", object_schema({{kTypeKey, {{"const", "tool"}}},
                                   {"name", {{"type", "string"}}},
                                   {"doc", {{"type", "string"}}},
                                   {"works", {{"type", "boolean"}}},
                                   {"reason", {{"type", json::array({"string", "null"})}}},
                                   {"options", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                                   {"fields", field_list},
                                   {"summary_fields", field_list},
                                   {"histograms", field_list}},
                                  json::array({kTypeKey, "name", "doc", "works", "reason", "options", "fields",
                                               "summary_fields", "histograms"})));
  add("error", object_schema({{kTypeKey, {{"const", "error"}}},
                              {"error", {{"type", "string"}}},
                              {"exit_code", {{"type", "integer"}}}},
                             json::array({kTypeKey, "error", "exit_code"})));
  return {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
          {"$id", "https://pathbench.invalid/schema/tools/1"},
          {"title", "pathbench probe: JSON lines"},
          {"description",
           "Each line `pathbench probe ... --json` prints is one of these objects. Generated from the tools' field "
           "tables by `pathbench probe --schema`; tests/integration/test_tools.py checks this file against it."},
          {"oneOf", one_of},
          {"$defs", defs}};
}
}  // namespace

std::string event_line(const core::ToolSchema& schema, const Values& values) {
  return dump_line(event_value(schema, values));
}
std::string summary_line(const core::ToolSchema& schema, const core::Summary& s) {
  return dump_line(summary_value(schema, s));
}
std::string histogram_line(const core::Histogram& h, std::string_view unit) { return dump_line(histogram_value(h, unit)); }
std::string tool_entry_line(const core::ToolSchema& schema, std::string_view doc, bool works, const std::string& reason,
                            const std::vector<std::string>& options) {
  return dump_line(tool_entry_value(schema, doc, works, reason, options));
}
std::string error_line(const std::string& message, int exit_code) { return dump_line(error_value(message, exit_code)); }
std::string tool_lines_schema(std::span<const core::ToolSchema> schemas) {
  return tool_lines_schema_value(schemas).dump(2);
}

}  // namespace pb::reports
