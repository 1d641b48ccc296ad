#include "reports/pivot.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "bench/core/errors.h"
#include "reports/json.h"
#include "reports/metrics.h"
#include "reports/stats.h"
#include "reports/text.h"

namespace pb::reports {
namespace {

constexpr const char* kMissing = "-";

void check_keys(const Report& report, const std::vector<std::string>& keys) {
  if (keys.empty()) throw core::UsageError("--pivot: no key given (KEY[,KEY])");
  std::set<std::string> known;
  for (const Scenario& s : report.scenarios)
    if (s.given)
      for (const auto& [key, value] : given_values(*s.given)) known.insert(key);
  std::set<std::string> seen;
  for (const std::string& key : keys) {
    if (key.empty()) throw core::UsageError("--pivot: empty key (KEY[,KEY])");
    if (!seen.insert(key).second) throw core::UsageError(fmt::format("--pivot: key '{}' given twice", key));
    if (!known.count(key))
      throw core::UsageError(fmt::format("--pivot: no scenario has the key '{}'; the report's keys: {}", key,
                                         known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
  }
}

PivotMetric metric_column(const std::string& name) {
  MetricInfo info = metric_info(name);
  return {name, info.higher_is_better ? "higher" : "lower", std::string(info.unit)};
}

// The numeric columns: the fixed ones, and those some ok scenario has.
std::vector<PivotMetric> columns(const std::vector<const Scenario*>& ok) {
  auto any_has = [&](const std::string& name) {
    return std::any_of(ok.begin(), ok.end(), [&](const Scenario* s) { return !metric_values(*s, name).empty(); });
  };
  std::vector<PivotMetric> out;
  out.push_back(metric_column("throughput.rx_pps"));
  for (const char* name : {"throughput.ndr_pps", "throughput.pdr_pps"})
    if (any_has(name)) out.push_back(metric_column(name));
  out.push_back(metric_column("latency.p50"));
  out.push_back(metric_column("latency.p99"));
  out.push_back(metric_column("throughput.loss_ratio"));
  out.push_back({kPivotTopDrop, "", "ratio"});
  for (const char* name : {"probes.overhead.cost", "probes.bpf.ns_per_packet"})
    if (any_has(name)) out.push_back(metric_column(name));
  return out;
}

PivotCell numeric_cell(const std::vector<const Scenario*>& scenarios, const std::string& name) {
  std::vector<double> pooled;
  for (const Scenario* s : scenarios) {
    std::vector<double> v = metric_values(*s, name);
    pooled.insert(pooled.end(), v.begin(), v.end());
  }
  PivotCell cell;
  if (pooled.empty()) return cell;
  cell.value = median(pooled);
  if (pooled.size() >= 2) {
    auto [lo, hi] = std::minmax_element(pooled.begin(), pooled.end());
    cell.low = *lo;
    cell.high = *hi;
  }
  return cell;
}

// The reason with the most drops over the row's scenarios; value: its share of sent.
PivotCell top_drop_cell(const std::vector<const Scenario*>& scenarios) {
  std::map<std::string, uint64_t> by_reason;
  uint64_t sent = 0;
  bool any = false;
  for (const Scenario* s : scenarios) {
    if (!s->drops) continue;
    any = true;
    sent += s->drops->ledger.sent;
    for (const DropRow& r : s->drops->by_reason) by_reason[r.reason] += r.count;
  }
  PivotCell cell;
  if (!any) return cell;
  auto top = std::max_element(by_reason.begin(), by_reason.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; });
  if (top == by_reason.end() || top->second == 0) {
    cell.text = "none";
    cell.value = 0.0;
    return cell;
  }
  cell.text = top->first;
  if (sent > 0) cell.value = double(top->second) / double(sent);
  return cell;
}

bool has_range(const PivotCell& c) { return c.low && c.high; }

bool ties(const PivotCell& c, const PivotCell& best) {
  double lo = has_range(c) ? *c.low : *c.value, hi = has_range(c) ? *c.high : *c.value;
  double blo = has_range(best) ? *best.low : *best.value, bhi = has_range(best) ? *best.high : *best.value;
  if (lo <= bhi && blo <= hi) return true;
  if (has_range(c) && has_range(best)) return false;
  return std::fabs(*c.value - *best.value) <= kPivotTieFraction * std::fabs(*best.value);
}

void mark_best(std::vector<PivotRow>& rows, size_t column, bool higher) {
  PivotCell* best = nullptr;
  for (PivotRow& r : rows) {
    PivotCell& c = r.cells[column];
    if (!c.value || !std::isfinite(*c.value)) continue;
    if (!best || (higher ? *c.value > *best->value : *c.value < *best->value)) best = &c;
  }
  if (!best) return;
  best->best = true;
  for (PivotRow& r : rows) {
    PivotCell& c = r.cells[column];
    if (&c == best || !c.value || !std::isfinite(*c.value)) continue;
    if (ties(c, *best)) c.tie = best->tie = true;
  }
}

}  // namespace

PivotTable pivot(const Report& report, const std::vector<std::string>& keys) {
  check_keys(report, keys);
  PivotTable table;
  table.keys = keys;

  std::vector<const Scenario*> ok;
  std::vector<std::vector<std::string>> row_keys;
  std::vector<std::vector<const Scenario*>> row_scenarios;
  for (const Scenario& s : report.scenarios) {
    if (s.status != kStatusOk) continue;
    ok.push_back(&s);
    std::map<std::string, std::string> given = s.given ? given_values(*s.given) : std::map<std::string, std::string>{};
    std::vector<std::string> values;
    for (const std::string& key : keys) {
      auto it = given.find(key);
      values.push_back(it == given.end() ? kMissing : it->second);
    }
    auto at = std::find(row_keys.begin(), row_keys.end(), values);
    if (at == row_keys.end()) {
      row_keys.push_back(values);
      row_scenarios.push_back({&s});
    } else {
      row_scenarios[size_t(at - row_keys.begin())].push_back(&s);
    }
  }

  table.metrics = columns(ok);
  for (size_t i = 0; i < row_keys.size(); ++i) {
    PivotRow row;
    row.key_values = row_keys[i];
    for (const Scenario* s : row_scenarios[i]) row.scenarios.push_back(s->name);
    for (const PivotMetric& m : table.metrics)
      row.cells.push_back(m.name == kPivotTopDrop ? top_drop_cell(row_scenarios[i]) : numeric_cell(row_scenarios[i], m.name));
    table.rows.push_back(std::move(row));
  }
  for (size_t c = 0; c < table.metrics.size(); ++c)
    if (!table.metrics[c].better.empty()) mark_best(table.rows, c, table.metrics[c].better == "higher");
  return table;
}

std::string pivot_value_text(const PivotMetric& metric, const PivotCell& cell) {
  if (cell.text) return cell.value && *cell.value > 0 ? fmt::format("{} ({})", *cell.text, loss_cell(*cell.value)) : *cell.text;
  if (!cell.value) return kMissing;
  return metric_value_text(metric.unit, *cell.value);
}

std::string pivot_mark(const PivotCell& cell) {
  if (cell.best) return cell.tie ? "*≈" : "*";
  return cell.tie ? "≈" : "";
}

std::string pivot_cell_text(const PivotMetric& metric, const PivotCell& cell) {
  std::string out = pivot_value_text(metric, cell);
  if (!cell.text && cell.low && cell.high) {
    std::string low = metric_value_text(metric.unit, *cell.low), high = metric_value_text(metric.unit, *cell.high);
    if (low != high) out += fmt::format(" [{}–{}]", low, high);  // an equal range says nothing
  }
  std::string mark = pivot_mark(cell);
  if (!mark.empty()) out += " " + mark;
  return out;
}

std::string pivot_heading(const PivotMetric& metric) {
  static const std::map<std::string, std::string> kHeadings = {
      {"throughput.rx_pps", "rx pps"},       {"throughput.ndr_pps", "NDR"},
      {"throughput.pdr_pps", "PDR"},         {"latency.p50", "p50"},
      {"latency.p99", "p99"},                {"throughput.loss_ratio", "loss"},
      {kPivotTopDrop, "top drop"},           {"probes.overhead.cost", "probe cost"},
      {"probes.bpf.ns_per_packet", "bpf ns/pkt"}};
  auto it = kHeadings.find(metric.name);
  return it == kHeadings.end() ? metric.name : it->second;
}

std::string pivot_legend() {
  return fmt::format(
      "* best of the column; ≈ within noise of the best (repetition ranges [min–max] overlap, or within {:g} % "
      "without repetitions): no clear winner; [a–b] the repetitions' range, the value their median",
      kPivotTieFraction * 100);
}

std::string render_pivot_text(const PivotTable& table) {
  std::vector<std::string> header = table.keys;
  for (const PivotMetric& m : table.metrics) header.push_back(pivot_heading(m));
  std::vector<TextRow> rows;
  for (const PivotRow& r : table.rows) {
    TextRow row;
    row.cells = r.key_values;
    for (size_t i = 0; i < r.cells.size() && i < table.metrics.size(); ++i)
      row.cells.push_back(pivot_cell_text(table.metrics[i], r.cells[i]));
    rows.push_back(std::move(row));
  }
  std::string out = fmt::format("pivot by {}\n", fmt::join(table.keys, ", "));
  out += text_table(header, rows, table.keys.size());
  if (rows.empty()) out += "(no ok scenarios)\n";
  out += pivot_legend() + "\n";
  return out;
}

}  // namespace pb::reports
