#include "reports/html.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>
#include <vector>

#include "reports/compare_render.h"
#include "reports/metrics.h"
#include "reports/pivot.h"
#include "reports/svg.h"
#include "reports/text.h"

namespace pb::reports {
namespace {

using svg::escape;

constexpr const char* kStyle = R"(
body { font-family: sans-serif; margin: 24px; max-width: 1260px; color: #222; background: #fff; }
h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ccc; }
h3 { font-size: 14px; margin: 8px 0 4px; }
p.context, p.setup { color: #555; }
p.legend { font-size: 12px; color: #555; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #f0f0f0; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: bold; background: #dff0e4; }
td.tie { background: #fff3c4; }
.plots { display: grid; grid-template-columns: repeat(2, 600px); gap: 12px 20px; }
figure { margin: 0; }
figcaption { font-size: 12px; color: #555; max-width: 600px; }
.reason { color: #a33; }
.verdict-regression, .verdict-error, .verdict-missing { color: #b03000; font-weight: bold; }
.verdict-improvement { color: #007a55; font-weight: bold; }
.verdict-noise { color: #a36f00; }
.verdict-same, .verdict-skipped { color: #666; }
.gate-fail { background: #fbe3da; padding: 6px; } .gate-pass { background: #dff0e4; padding: 6px; }
)";

std::string page_head(const std::string& title) {
  return fmt::format("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
                     escape(title), kStyle);
}

std::string td(const std::string& text, const char* cls = "") {
  return *cls ? fmt::format("<td class=\"{}\">{}</td>", cls, escape(text)) : fmt::format("<td>{}</td>", escape(text));
}

std::string th_row(const std::vector<std::string>& header) {
  std::string out = "<tr>";
  for (const auto& h : header) out += "<th>" + escape(h) + "</th>";
  return out + "</tr>\n";
}

// Tick labels.
std::string us_text(double ns) { return fmt::format("{:g}", ns / 1000.0); }
std::string short_count(double v) {
  double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:.3g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}
std::string percent_text(double ratio) { return fmt::format("{:g}", ratio * 100.0); }

std::string figure(const std::string& title, const std::string& plot, const std::string& caption = "") {
  std::string out = "<figure>\n<h3>" + escape(title) + "</h3>\n" + plot;
  if (!caption.empty()) out += "<figcaption>" + escape(caption) + "</figcaption>\n";
  return out + "</figure>\n";
}

std::string summary_table(const Report& report) {
  std::string out = "<h2 id=\"summary\">Summary</h2>\n<table class=\"summary\">\n";
  out += th_row({"scenario", "status", "rx pps", "loss", "NDR / PDR", "p50 / p99", "top drop"});
  for (const Scenario& s : report.scenarios) {
    out += "<tr>" + td(s.name) + td(s.status);
    if (s.status != kStatusOk) {
      out += fmt::format("<td colspan=\"5\" class=\"reason\">{}</td></tr>\n", escape(s.reason ? *s.reason : "-"));
      continue;
    }
    const Throughput* tp = s.throughput ? &*s.throughput : nullptr;
    auto pps = [](const Nullable<double>& v) { return v ? human_pps(*v) : std::string("-"); };
    out += td(tp ? human_pps(tp->rx_pps) : "-", "num") + td(tp ? loss_cell(tp->loss_ratio) : "-", "num");
    out += td(tp && (tp->ndr_pps || tp->pdr_pps) ? pps(tp->ndr_pps) + " / " + pps(tp->pdr_pps) : "-", "num");
    out += td(s.latency && s.latency->count ? human_ns(double(s.latency->p50)) + " / " + human_ns(double(s.latency->p99)) : "-", "num");
    out += td(top_drop_text(s)) + "</tr>\n";
  }
  if (report.scenarios.empty()) out += "<tr><td colspan=\"7\">(no scenarios)</td></tr>\n";
  return out + "</table>\n";
}

// The CDF of a histogram: (upper bound, fraction at or below), from (min, 0).
svg::Series cdf_series(const std::string& name, const std::string& colour, const Latency& l) {
  svg::Series s{name, colour, {}, true, false};
  uint64_t total = 0;
  for (const auto& [upper, count] : l.histogram) total += count;
  if (total == 0) return s;
  if (l.min > 0 && (l.histogram.empty() || l.min < l.histogram.front().first)) s.points.push_back({double(l.min), 0.0, "", ""});
  uint64_t cum = 0;
  for (const auto& [upper, count] : l.histogram) {
    cum += count;
    double f = double(cum) / double(total);
    s.points.push_back({double(upper), f, fmt::format("≤ {}: {:.2f} %", human_ns(double(upper)), f * 100), ""});
  }
  return s;
}

std::string latency_plot(const Scenario& s) {
  if (!s.latency || s.latency->count == 0 || s.latency->histogram.empty()) return "";
  svg::LineChart c;
  c.title = "latency CDF of " + s.name;
  c.x = {"latency", "µs", true, {}, {}, us_text};
  c.y = {"fraction of packets", "%", false, 0.0, 1.0, percent_text};
  c.series.push_back(cdf_series("end to end", svg::colour(0), *s.latency));
  if (s.latency_at_fraction)
    for (size_t i = 0; i < s.latency_at_fraction->size(); ++i) {
      const LatencyAtFraction& f = (*s.latency_at_fraction)[i];
      c.series.push_back(cdf_series(fmt::format("at {:g} % of PDR", f.fraction * 100), svg::colour(i + 1), f.latency));
    }
  c.rules.push_back({double(s.latency->p50), "p50 " + human_ns(double(s.latency->p50)), "#555", true});
  c.rules.push_back({double(s.latency->p99), "p99 " + human_ns(double(s.latency->p99)), "#a33", true});
  return figure("Latency CDF", svg::line_chart(c),
                fmt::format("{} packets; p50 {}, p99 {}, p99.9 {}, max {} (histogram buckets within 1 %)",
                            count_cell(s.latency->count), human_ns(double(s.latency->p50)), human_ns(double(s.latency->p99)),
                            human_ns(double(s.latency->p999)), human_ns(double(s.latency->max))));
}

std::string stages_plot(const Scenario& s) {
  if (!s.stages || s.stages->empty()) return "";
  svg::BarChart c;
  c.title = "per-stage latency of " + s.name;
  c.x_label = "stage";
  c.y = {"latency", "µs", false, {}, {}, us_text};
  svg::BarSeries p50{"p50", svg::colour(0), {}, {}, {}}, p99{"p99", svg::colour(3), {}, {}, {}};
  std::vector<std::string> absent;
  for (const auto& [stage, result] : *s.stages) {
    if (const auto* l = std::get_if<Latency>(&result); l && l->count > 0) {
      c.categories.push_back(stage);
      p50.values.push_back(double(l->p50));
      p99.values.push_back(double(l->p99));
    } else if (const auto* a = std::get_if<Absent>(&result)) {
      absent.push_back(stage + ": " + a->why);
    } else {
      absent.push_back(stage + ": no packets");
    }
  }
  c.series = {p50, p99};
  // One slow stage would flatten the others on a linear axis: log y when they span 20x.
  double lo = INFINITY, hi = 0;
  for (const auto& series : c.series)
    for (const auto& v : series.values)
      if (v && *v > 0) lo = std::min(lo, *v), hi = std::max(hi, *v);
  c.y.log = hi > 20 * lo;
  std::string caption = absent.empty() ? "" : fmt::format("Absent here: {}.", fmt::join(absent, "; "));
  if (c.y.log) caption = "Log scale. " + caption;
  if (c.categories.empty()) return figure("Per-stage latency", "<p>No stage measured.</p>\n", caption);
  return figure("Per-stage latency (p50 / p99)", svg::bar_chart(c), caption);
}

// The spread. The XDP paths' program counts packets per (CPU, RX queue): a true matrix,
// summed over the trials, drawn as a heat map. The spread family counts per CPU and per RX
// queue separately (spread.per_cpu, spread.per_rx_queue) and keeps no matrix, so for it the
// honest picture is two bar charts, not a heat map made up from the marginals.
std::string spread_plots(const Scenario& s) {
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> matrix;
  if (s.trials)
    for (const Trial& t : *s.trials)
      if (t.xdp)
        for (const XdpCell& c : t.xdp->per_cpu_queue) matrix[{c.cpu, c.rx_queue}] += c.packets;
  std::string out;
  if (!matrix.empty()) {
    std::vector<uint32_t> cpus, queues;
    for (const auto& [key, n] : matrix) {
      if (std::find(cpus.begin(), cpus.end(), key.first) == cpus.end()) cpus.push_back(key.first);
      if (std::find(queues.begin(), queues.end(), key.second) == queues.end()) queues.push_back(key.second);
    }
    std::sort(queues.begin(), queues.end());
    svg::HeatMap m;
    m.title = "packets per CPU and RX queue of " + s.name;
    m.x_label = "RX queue";
    m.y_label = "CPU";
    m.unit = "packets";
    m.format = short_count;
    for (uint32_t q : queues) m.columns.push_back(fmt::format("queue {}", q));
    for (uint32_t cpu : cpus) {
      m.rows.push_back(fmt::format("cpu {}", cpu));
      std::vector<std::optional<double>> row;
      for (uint32_t q : queues) {
        auto it = matrix.find({cpu, q});
        row.push_back(it == matrix.end() ? std::nullopt : std::optional<double>(double(it->second)));
      }
      m.values.push_back(std::move(row));
    }
    m.height = std::max(160, 90 + 36 * int(cpus.size()));
    out += figure("Spread: CPU × RX queue", svg::heat_map(m), "Packets the XDP program saw per (CPU, RX queue), over all trials.");
  }
  if (!s.spread) return out;
  const Spread& sp = *s.spread;
  std::string imbalance;
  if (sp.imbalance.max_over_mean) imbalance += fmt::format("max/mean {:.3f}", *sp.imbalance.max_over_mean);
  if (sp.imbalance.jain) imbalance += fmt::format("{}Jain's index {:.4f}", imbalance.empty() ? "" : ", ", *sp.imbalance.jain);
  if (sp.imbalance.absent) imbalance += "imbalance: " + *sp.imbalance.absent;
  if (sp.rps_moved) imbalance += fmt::format("{}RPS moved {}", imbalance.empty() ? "" : "; ", count_cell(*sp.rps_moved));
  if (!sp.per_cpu.empty()) {
    svg::BarChart c;
    c.title = "packets per CPU of " + s.name;
    c.x_label = "CPU";
    c.y = {"packets", "", false, {}, {}, short_count};
    svg::BarSeries packets{"packets", svg::colour(0), {}, {}, {}}, birth{"at skb birth", svg::colour(1), {}, {}, {}},
        receive{"at netif_receive_skb", svg::colour(2), {}, {}, {}};
    for (const CpuCount& cc : sp.per_cpu) {
      c.categories.push_back(fmt::format("cpu {}", cc.cpu));
      packets.values.push_back(cc.packets ? std::optional<double>(double(*cc.packets)) : std::nullopt);
      birth.values.push_back(cc.birth ? std::optional<double>(double(*cc.birth)) : std::nullopt);
      receive.values.push_back(cc.receive ? std::optional<double>(double(*cc.receive)) : std::nullopt);
    }
    for (auto* series : {&packets, &birth, &receive})
      if (std::any_of(series->values.begin(), series->values.end(), [](const auto& v) { return v.has_value(); }))
        c.series.push_back(*series);
    out += figure("Spread: packets per CPU", svg::bar_chart(c),
                  "spread.per_cpu. The report counts CPUs and RX queues separately (no CPU × queue matrix)." +
                      (imbalance.empty() ? std::string() : " " + imbalance + "."));
  }
  if (!sp.per_rx_queue.empty()) {
    svg::BarChart c;
    c.title = "packets per RX queue of " + s.name;
    c.x_label = "RX queue";
    c.y = {"packets", "", false, {}, {}, short_count};
    c.value_labels = true;
    svg::BarSeries q{"", svg::colour(5), {}, {}, {}};
    for (const QueueCount& qc : sp.per_rx_queue) {
      c.categories.push_back(fmt::format("queue {}", qc.queue));
      q.values.push_back(double(qc.packets));
    }
    c.series = {q};
    std::string caption = "spread.per_rx_queue";
    if (sp.rx_queue_unrecorded) caption += fmt::format("; {} births without a recorded RX queue", count_cell(*sp.rx_queue_unrecorded));
    out += figure("Spread: packets per RX queue", svg::bar_chart(c), caption + ".");
  }
  return out;
}

std::string ledger_plot(const Scenario& s) {
  if (!s.drops) return "";
  const Ledger& l = s.drops->ledger;
  svg::BarChart c;
  c.title = "drop ledger of " + s.name;
  c.categories = {"sent", "not delivered"};
  c.stacked = true;
  c.y = {"packets", "", false, {}, {}, short_count};
  c.series.push_back({"delivered", "#009e73", {double(l.delivered), std::nullopt}, {}, {}});
  std::vector<DropRow> reasons = drops_by_reason(*s.drops);
  uint64_t shown = 0;
  const char* const kDropColours[] = {"#d55e00", "#e69f00", "#cc79a7", "#56b4e9", "#f0e442", "#0072b2"};
  for (size_t i = 0; i < reasons.size() && i < std::size(kDropColours); ++i) {
    c.series.push_back({reasons[i].reason, kDropColours[i], {double(reasons[i].count), double(reasons[i].count)}, {}, {}});
    shown += reasons[i].count;
  }
  if (l.attributed > shown) {
    double rest = double(l.attributed - shown);
    c.series.push_back({"other attributed", "#bbbbbb", {rest, rest}, {}, {}});
  }
  if (l.unaccounted > 0) c.series.push_back({"unaccounted", "#555555", {double(l.unaccounted), double(l.unaccounted)}, {}, {}});
  bool balances = int64_t(l.sent) == int64_t(l.delivered) + int64_t(l.attributed) + l.unaccounted;
  std::string caption = fmt::format("sent {} = delivered {} + attributed {} + unaccounted {}{}. The second bar is the first without "
                                    "the delivered packets, so small drops show.",
                                    count_cell(l.sent), count_cell(l.delivered), count_cell(l.attributed), grouped(l.unaccounted),
                                    balances ? "" : " (does not balance)");
  if (l.unaccounted < 0) caption += " Unaccounted is negative: something was counted twice; it is not drawn.";
  return figure("Drop ledger", svg::bar_chart(c), caption);
}

std::string queue_plots(const Scenario& s) {
  if (!s.queues) return "";
  std::string out;
  std::vector<std::string> absent;
  for (const auto& [name, result] : *s.queues) {
    if (const auto* a = std::get_if<Absent>(&result)) {
      absent.push_back(name + ": " + a->why);
      continue;
    }
    const Queue& q = std::get<Queue>(result);
    if (q.series.empty()) {
      absent.push_back(name + ": no series");
      continue;
    }
    svg::LineChart c;
    c.title = "queue depth of " + name + " in " + s.name;
    double step = q.interval_ms ? double(q.interval_ms) : 1.0;
    c.x = {"time", q.interval_ms ? "ms" : "interval", false, 0.0, {}, {}};  // from the trial's start
    c.y = {name, q.unit, false, {}, {}, short_count};
    svg::Series series{name, svg::colour(0), {}, true, q.series.size() <= 60};
    for (size_t i = 0; i < q.series.size(); ++i) {
      const auto& v = q.series[i];
      series.points.push_back({double(i) * step, v ? std::optional<double>(double(*v)) : std::nullopt,
                               v ? fmt::format("{:g} ms: {}", double(i) * step, *v) : "", ""});
    }
    c.series.push_back(std::move(series));
    if (q.capacity) c.rules.push_back({double(*q.capacity), fmt::format("capacity {}", *q.capacity), "#a33", false});
    std::string caption = fmt::format("max {}, p50 {}, p99 {} {}; one point per {} ms, gaps: nothing seen in that interval", q.max,
                                      q.p50, q.p99, q.unit, q.interval_ms);
    if (q.scope) caption += "; " + *q.scope;
    out += figure("Queue depth over time: " + name, svg::line_chart(c), caption + ".");
  }
  if (!absent.empty())
    out += figure("Queues not plotted", "<p>" + escape(fmt::format("{}", fmt::join(absent, "; "))) + "</p>\n");
  return out;
}

std::string search_plots(const Scenario& s) {
  if (!s.throughput || !s.throughput->search) return "";
  const Search& x = *s.throughput->search;
  auto loss_colour = [&](const SearchTrial& t) {
    if (t.generator_bound) return "#777777";
    if (t.loss_ratio <= 0) return "#009e73";
    return t.loss_ratio <= x.pdr_loss ? "#e69f00" : "#d55e00";
  };
  auto tip = [&](size_t i, const SearchTrial& t) {
    return fmt::format("trial {} ({}): offered {}, loss {}, rx {}{}", i, t.role, human_pps(double(t.offered_pps)),
                       loss_cell(t.loss_ratio), human_pps(t.rx_pps), t.generator_bound ? ", generator bound" : "");
  };
  std::vector<svg::Rule> bounds;
  auto bound = [&](const Nullable<double>& v, const char* name, const char* col) {
    if (v) bounds.push_back({*v, fmt::format("{} {}", name, human_pps(*v)), col, false});
  };
  bound(x.ndr.lower_bound_pps, "NDR lower", "#006644");
  bound(x.ndr.upper_bound_pps, "NDR upper", "#66aa88");
  bound(x.pdr.lower_bound_pps, "PDR lower", "#aa5500");
  bound(x.pdr.upper_bound_pps, "PDR upper", "#ddaa66");

  // Loss against offered load, the trials joined in the order measured.
  svg::LineChart trace;
  trace.title = "search trace of " + s.name;
  trace.x = {"offered load", x.load_unit, false, {}, {}, short_count};
  trace.y = {"loss", "%", false, {}, {}, percent_text};
  svg::Series order{"trials in order", "#999999", {}, true, true};
  for (size_t i = 0; i < x.trials.size(); ++i) {
    const SearchTrial& t = x.trials[i];
    order.points.push_back({double(t.offered_pps), t.loss_ratio, tip(i, t), loss_colour(t)});
  }
  trace.series.push_back(order);
  for (svg::Rule r : bounds) {
    r.vertical = true;
    trace.rules.push_back(r);
  }
  trace.rules.push_back({x.pdr_loss, fmt::format("PDR loss {}", loss_cell(x.pdr_loss)), "#aa5500", false});

  // The load per trial, with the bounds it closed in on.
  svg::LineChart load;
  load.title = "search load per trial of " + s.name;
  load.x = {"trial (0: warm-up)", "", false, {}, {}, [](double v) { return fmt::format("{:g}", v); }};
  load.y = {"offered load", x.load_unit, false, {}, {}, short_count};
  svg::Series offered{"offered", "#999999", {}, true, true};
  svg::Series received{"received", svg::colour(0), {}, true, false};
  for (size_t i = 0; i < x.trials.size(); ++i) {
    const SearchTrial& t = x.trials[i];
    offered.points.push_back({double(i), double(t.offered_pps), tip(i, t), loss_colour(t)});
    received.points.push_back({double(i), t.rx_pps, "", ""});
  }
  load.series = {offered, received};
  load.rules = bounds;

  std::string caption = fmt::format(
      "Markers: green no loss, amber loss within PDR's {}, red above it, grey generator bound (unsent above tolerance). "
      "NDR {}, PDR {}; {} trials in {:.1f} s{}.",
      loss_cell(x.pdr_loss), s.throughput->ndr_pps ? human_pps(*s.throughput->ndr_pps) : "-",
      s.throughput->pdr_pps ? human_pps(*s.throughput->pdr_pps) : "-", x.trial_count, x.search_time_s,
      x.timed_out ? ", timed out" : "");
  return figure("NDR/PDR search: loss against offered load", svg::line_chart(trace), caption) +
         figure("NDR/PDR search: load per trial", svg::line_chart(load));
}

std::string repetitions_plot(const Scenario& s) {
  if (!s.repetitions || s.repetitions->metrics.empty()) return "";
  const Repetitions& r = *s.repetitions;
  svg::LineChart c;
  c.title = "repetitions of " + s.name;
  c.x = {"repetition", "", false, {}, {}, [](double v) { return fmt::format("{:g}", v); }};
  c.y = {"value / median", "%", false, {}, {}, percent_text};
  std::vector<std::string> names = {r.primary};
  for (const char* name : {"throughput.rx_pps", "throughput.loss_ratio", "latency.p50", "latency.p99"})
    if (name != r.primary) names.push_back(name);
  std::vector<std::string> rows;
  size_t k = 0;
  for (const std::string& name : names) {
    auto it = r.metrics.find(name);
    if (it == r.metrics.end()) continue;
    const MetricStats& m = it->second;
    std::string_view unit = metric_info(name).unit;
    svg::Series series{name, svg::colour(k++), {}, true, true};
    for (size_t i = 0; i < m.values.size(); ++i)
      series.points.push_back({double(i), m.median != 0 ? std::optional<double>(m.values[i] / m.median) : std::nullopt,
                               fmt::format("{} #{}: {}", name, i, metric_value_text(unit, m.values[i])), ""});
    c.series.push_back(std::move(series));
    rows.push_back("<tr>" + td(name) + td(metric_value_text(unit, m.median), "num") + td(metric_value_text(unit, m.min), "num") +
                   td(metric_value_text(unit, m.max), "num") + td(metric_value_text(unit, m.mad), "num") + "</tr>\n");
  }
  // Around the median, not from 0: the spread is what this plot is for.
  double lo = 1, hi = 1;
  for (const auto& series : c.series)
    for (const auto& p : series.points)
      if (p.y) lo = std::min(lo, *p.y), hi = std::max(hi, *p.y);
  double pad = std::max(0.01, (hi - lo) * 0.15);
  c.y.min = lo - pad;
  c.y.max = hi + pad;
  c.rules.push_back({1.0, "median", "#555", false});
  std::string table = "<table>\n" + th_row({"metric", "median", "min", "max", "MAD"});
  for (const auto& row : rows) table += row;
  table += "</table>\n";
  return figure("Repetitions: spread around the median", svg::line_chart(c) + table,
                fmt::format("{} repetitions; the plots above show repetition {} (nearest the median of {}).", r.count,
                            r.representative, r.primary));
}

std::string setup_text(const Scenario& s) {
  std::vector<std::string> parts = {"path " + s.path};
  if (s.traffic) {
    parts.push_back("generator " + s.traffic->generator);
    parts.push_back(fmt::format("{} B frames, {} flows", s.traffic->frame_size, s.traffic->flows));
    parts.push_back(s.traffic->offered_pps ? "offered " + human_pps(double(s.traffic->offered_pps)) : "offered max");
  }
  if (s.topology) {
    parts.push_back(fmt::format("{}, {} queues", s.topology->kind, s.topology->queues));
    if (s.topology->rps_cpus) parts.push_back("rps_cpus " + *s.topology->rps_cpus);
    if (s.topology->xdp_mode) parts.push_back("xdp " + *s.topology->xdp_mode);
  }
  if (s.throughput)
    parts.push_back(fmt::format("rx {}, loss {}", human_pps(s.throughput->rx_pps), loss_cell(s.throughput->loss_ratio)));
  return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace

std::string render_pivot_html(const PivotTable& t) {
  std::string out = fmt::format("<h2 id=\"pivot\">Pivot by {}</h2>\n<table class=\"pivot\">\n", escape(fmt::format("{}", fmt::join(t.keys, ", "))));
  std::vector<std::string> header = t.keys;
  for (const PivotMetric& m : t.metrics) header.push_back(pivot_heading(m));
  out += th_row(header);
  for (const PivotRow& r : t.rows) {
    out += fmt::format("<tr title=\"{}\">", escape(fmt::format("{}", fmt::join(r.scenarios, ", "))));
    for (const auto& v : r.key_values) out += td(v);
    for (size_t i = 0; i < r.cells.size() && i < t.metrics.size(); ++i) {
      const PivotCell& c = r.cells[i];
      const char* cls = c.text ? "" : c.best ? "num best" : c.tie ? "num tie" : "num";  // text left, numbers right
      out += td(pivot_cell_text(t.metrics[i], c), cls);
    }
    out += "</tr>\n";
  }
  if (t.rows.empty()) out += fmt::format("<tr><td colspan=\"{}\">(no ok scenarios)</td></tr>\n", header.size());
  return out + "</table>\n<p class=\"legend\">" + escape(pivot_legend()) + "</p>\n";
}

std::string render_html(const Report& report, const PivotTable* pivot) {
  std::string out = page_head("pathbench report");
  out += "<h1>pathbench report</h1>\n<p class=\"context\">" + escape(context_line(report.context)) + "</p>\n";
  out += summary_table(report);
  if (pivot) out += render_pivot_html(*pivot);
  for (size_t i = 0; i < report.scenarios.size(); ++i) {
    const Scenario& s = report.scenarios[i];
    out += fmt::format("<section class=\"scenario\">\n<h2 id=\"scenario-{}\">{}</h2>\n", i, escape(s.name));
    if (s.status != kStatusOk) {
      out += fmt::format("<p class=\"reason\">{}: {}</p>\n</section>\n", escape(s.status), escape(s.reason ? *s.reason : "-"));
      continue;
    }
    out += "<p class=\"setup\">" + escape(setup_text(s)) + "</p>\n<div class=\"plots\">\n";
    out += latency_plot(s);
    out += stages_plot(s);
    out += spread_plots(s);
    out += ledger_plot(s);
    out += queue_plots(s);
    out += search_plots(s);
    out += repetitions_plot(s);
    out += "</div>\n</section>\n";
  }
  return out + "</body>\n</html>\n";
}

namespace {

std::string verdict_colour(const std::string& v) {
  if (v == kVerdictRegression || v == kVerdictError || v == kVerdictMissing) return "#d55e00";
  if (v == kVerdictImprovement) return "#009e73";
  if (v == kVerdictNoise) return "#e69f00";
  return "#999999";
}

std::string side_line(const char* side, const std::string& file, const Report& r) {
  return fmt::format("<p class=\"context\"><b>{}</b> {}: {}</p>\n", side, escape(file), escape(context_line(r.context)));
}

}  // namespace

std::string render_compare_html(const CompareResult& res, const Report& base, const Report& neu) {
  std::string out = page_head("pathbench compare");
  out += "<h1>pathbench compare</h1>\n";
  out += side_line("base", res.base, base) + side_line("new", res.new_file, neu);
  out += fmt::format("<p class=\"{}\">{}: {} regression(s), {} improvement(s){}; threshold {}, alpha {:g}</p>\n",
                     res.regression ? "gate-fail" : "gate-pass", res.regression ? "REGRESSION" : "no regression",
                     res.regressions, res.improvements,
                     res.errors ? fmt::format(", {} gated metric(s) missing or failed in new", res.errors) : "",
                     loss_cell(res.threshold), res.alpha);
  if (!res.warnings.empty()) {
    out += "<ul class=\"warnings\">\n";
    for (const auto& w : res.warnings) out += "<li>" + escape(w) + "</li>\n";
    out += "</ul>\n";
  }
  if (!res.only_in_base.empty())
    out += "<p>Only in base: " + escape(fmt::format("{}", fmt::join(res.only_in_base, ", "))) + "</p>\n";
  if (!res.not_comparable.empty())
    out += "<p>Not comparable (same name, different configuration): " +
           escape(fmt::format("{}", fmt::join(res.not_comparable, ", "))) + "</p>\n";
  if (!res.only_in_new.empty())
    out += "<p>Only in new: " + escape(fmt::format("{}", fmt::join(res.only_in_new, ", "))) + "</p>\n";

  std::vector<std::string> scenarios;
  for (const CompareRow& r : res.rows)
    if (std::find(scenarios.begin(), scenarios.end(), r.scenario) == scenarios.end()) scenarios.push_back(r.scenario);
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const std::string& name = scenarios[i];
    out += fmt::format("<section class=\"scenario\">\n<h2 id=\"scenario-{}\">{}</h2>\n", i, escape(name));
    svg::BarChart c;
    c.title = "base and new of " + name;
    c.x_label = "gated metric";
    c.y = {"relative to base", "%", false, {}, {}, percent_text};
    c.value_labels = true;
    svg::BarSeries b{"base", "#bbbbbb", {}, {}, {}}, n{"new", "#0072b2", {}, {}, {}};
    std::string table = "<table>\n" + th_row({"metric", "better", "gated", "base", "new", "change", "verdict", "p", "note"});
    for (const CompareRow& r : res.rows) {
      if (r.scenario != name) continue;
      std::string_view unit = metric_info(r.metric).unit;
      auto value = [&](const Nullable<double>& v) { return v ? metric_value_text(unit, *v) : std::string("-"); };
      // A ratio metric (loss) is judged by its difference, in percentage points.
      std::string change = r.by_difference && r.difference ? fmt::format("{:+.3f} pp", *r.difference * 100)
                           : r.change                     ? fmt::format("{:+.2f} %", *r.change * 100)
                                                          : "-";
      table += "<tr>" + td(r.metric) + td(r.better) + td(r.gated ? "yes" : "no") + td(value(r.base), "num") +
               td(value(r.new_value), "num") + td(change, "num") +
               fmt::format("<td class=\"verdict-{}\">{}</td>", escape(r.verdict), escape(verdict_label(r))) +
               td(r.p_value ? fmt::format("{:.3g}", *r.p_value) : "-", "num") + td(r.note) + "</tr>\n";
      if (!r.gated) continue;
      c.categories.push_back(r.metric);
      bool both = r.base && r.new_value && *r.base != 0;
      b.values.push_back(both ? std::optional<double>(1.0) : std::nullopt);
      b.labels.push_back(value(r.base));
      n.values.push_back(both ? std::optional<double>(*r.new_value / *r.base) : std::nullopt);
      n.colours.push_back(verdict_colour(r.verdict));
      n.labels.push_back(fmt::format("{} {}", change, r.verdict));
    }
    table += "</table>\n";
    c.series = {b, n};
    if (!c.categories.empty()) {
      c.width = std::max(600, 160 * int(c.categories.size()) + 100);
      out += figure("Before and after (gated metrics)", svg::bar_chart(c),
                    "Each metric's new value relative to its base (100 %); labels: base value, and the change with the verdict.");
    }
    out += table + "</section>\n";
  }
  if (res.rows.empty()) out += "<p>No common scenario to compare.</p>\n";
  return out + "</body>\n</html>\n";
}

}  // namespace pb::reports
