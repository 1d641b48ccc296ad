#include "reports/summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <vector>

namespace pb::reports {
namespace {

using nlohmann::json;

struct Unit {
  double scale;
  const char* prefix;
  int decimals;
};

// Picks the largest unit not above `v`, moving one unit up when rounding would print
// 1000 or more ("999.96 kpps" must read "1.00 Mpps", not "1000.0 kpps").
std::string scaled(double v, const Unit* units, size_t n, std::string_view suffix) {
  if (!std::isfinite(v)) return "n/a";
  const char* sign = v < 0 ? "-" : "";
  double a = std::fabs(v);
  size_t i = 0;  // units are in ascending order of scale
  while (i + 1 < n && a >= units[i + 1].scale) ++i;
  double shown = a / units[i].scale;
  double p = std::pow(10.0, units[i].decimals);
  if (i + 1 < n && std::round(shown * p) / p >= 1000.0) {
    ++i;
    shown = a / units[i].scale;
  }
  return fmt::format("{}{:.{}f} {}{}", sign, shown, units[i].decimals, units[i].prefix, suffix);
}

// Display width of UTF-8 text: one column per code point ("µs" is two columns).
size_t display_width(std::string_view s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

const json* field(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() || it->is_null() ? nullptr : &*it;
}

const json* field(const json& obj, std::string_view key, std::string_view sub) {
  const json* o = field(obj, key);
  return o ? field(*o, sub) : nullptr;
}

std::string text_or_dash(const json* v) {
  if (!v) return "-";
  return v->is_string() ? v->get<std::string>() : v->dump();
}

// An integer with thousands separators: 6962448 -> "6,962,448".
std::string grouped(int64_t v) {
  std::string digits = fmt::format("{}", v < 0 ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string count_cell(const json* v) {
  if (!v || !v->is_number()) return "-";
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return fmt::format("{}", u);
    return grouped(static_cast<int64_t>(u));
  }
  if (v->is_number_integer()) return grouped(v->get<int64_t>());
  double d = v->get<double>();
  return std::isfinite(d) ? grouped(static_cast<int64_t>(std::llround(d))) : "n/a";
}

std::string number_cell(const json* v, std::string (*fmt_fn)(double)) {
  if (!v || !v->is_number()) return "-";
  return fmt_fn(v->get<double>());
}

std::string loss_cell(const json* v) {
  if (!v || !v->is_number()) return "-";
  return fmt::format("{:.3f}%", v->get<double>() * 100.0);
}

// The run context in one line; whatever is missing is left out (no context: no line).
std::string context_line(const json& report) {
  const json* ctx = field(report, "context");
  if (!ctx || !ctx->is_object()) return {};
  const json& c = *ctx;
  const json* name = field(c, "tool", "name");
  std::string line = name ? text_or_dash(name) : "pathbench";
  if (const json* v = field(c, "tool", "version")) line += fmt::format(" {}", text_or_dash(v));
  if (const json* g = field(c, "tool", "git")) line += fmt::format(" ({})", text_or_dash(g));
  if (const json* s = field(c, "started_at")) line += fmt::format(", started {}", text_or_dash(s));
  if (const json* d = field(c, "duration_s"); d && d->is_number()) {
    line += fmt::format(", {:.1f} s", d->get<double>());
  }
  if (const json* k = field(c, "kernel", "release")) line += ", kernel " + text_or_dash(k);
  if (const json* n = field(c, "host", "cpus")) line += ", " + text_or_dash(n) + " CPUs";
  if (const json* m = field(c, "host", "cpu_model")) line += " (" + text_or_dash(m) + ")";
  return line;
}

}  // namespace

std::string human_pps(double pps) {
  static constexpr Unit kUnits[] = {{1.0, "", 0}, {1e3, "k", 1}, {1e6, "M", 2}, {1e9, "G", 2}};
  return scaled(pps, kUnits, std::size(kUnits), "pps");
}

std::string human_ns(double ns) {
  static constexpr Unit kUnits[] = {{1.0, "n", 0}, {1e3, "µ", 1}, {1e6, "m", 2}, {1e9, "", 2}};
  return scaled(ns, kUnits, std::size(kUnits), "s");
}

std::string render_summary(const json& report) {
  static const std::vector<std::string> kHeader = {
      "scenario", "path", "status", "sent", "delivered", "loss", "rx rate", "p50", "p99", "unaccounted"};
  constexpr size_t kTextColumns = 3;  // name, path, status: left-aligned; the rest right-aligned

  struct Row {
    std::vector<std::string> cells;
    std::string reason;  // set: printed after the status in place of the numbers
  };
  std::vector<Row> rows;
  const json* scenarios = field(report, "scenarios");
  if (scenarios && scenarios->is_array()) {
    for (const json& s : *scenarios) {
      Row row;
      std::string status = text_or_dash(field(s, "status"));
      row.cells = {text_or_dash(field(s, "name")), text_or_dash(field(s, "path")), status};
      if (status != "ok") {
        row.reason = text_or_dash(field(s, "reason"));
        rows.push_back(std::move(row));
        continue;
      }
      const json* tp = field(s, "throughput");
      const json* ledger = field(s, "drops", "ledger");
      // Throughput is the headline; the ledger stands in for a report without it.
      const json* sent = tp ? field(*tp, "sent") : nullptr;
      const json* delivered = tp ? field(*tp, "delivered") : nullptr;
      if (!sent && ledger) sent = field(*ledger, "sent");
      if (!delivered && ledger) delivered = field(*ledger, "delivered");
      row.cells.push_back(count_cell(sent));
      row.cells.push_back(count_cell(delivered));
      row.cells.push_back(loss_cell(tp ? field(*tp, "loss_ratio") : nullptr));
      row.cells.push_back(number_cell(tp ? field(*tp, "rx_pps") : nullptr, human_pps));
      row.cells.push_back(number_cell(field(s, "latency", "p50"), human_ns));
      row.cells.push_back(number_cell(field(s, "latency", "p99"), human_ns));
      row.cells.push_back(count_cell(ledger ? field(*ledger, "unaccounted") : nullptr));
      rows.push_back(std::move(row));
    }
  }

  std::vector<size_t> width(kHeader.size());
  for (size_t i = 0; i < kHeader.size(); ++i) width[i] = display_width(kHeader[i]);
  for (const Row& r : rows) {
    for (size_t i = 0; i < r.cells.size(); ++i) width[i] = std::max(width[i], display_width(r.cells[i]));
  }

  auto append_row = [&](std::string& out, const std::vector<std::string>& cells, const std::string& reason) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string pad(width[i] - display_width(cells[i]), ' ');
      if (i > 0) line += "  ";
      line += i < kTextColumns ? cells[i] + pad : pad + cells[i];
    }
    if (!reason.empty()) line += "  " + reason;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };

  std::string out = context_line(report);
  if (!out.empty()) out += '\n';
  append_row(out, kHeader, {});
  for (const Row& r : rows) append_row(out, r.cells, r.reason);
  if (rows.empty()) out += "(no scenarios)\n";
  return out;
}

}  // namespace pb::reports
