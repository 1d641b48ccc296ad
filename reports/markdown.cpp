#include "reports/markdown.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <string_view>
#include <vector>

#include "reports/metrics.h"
#include "reports/pivot.h"
#include "reports/text.h"

namespace pb::reports {
namespace {

// A table cell: pipes escaped, line breaks flattened, HTML's '<' and '&' made literal.
std::string cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else if (c == '<') out += "&lt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// `align`: one letter per column, 'l' left (text) or 'r' right (numbers); missing letters: 'r'.
std::string table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  std::string_view align) {
  std::string out = "|";
  for (const auto& h : header) {
    out += ' ';
    out += cell(h);
    out += " |";
  }
  out += "\n|";
  for (size_t i = 0; i < header.size(); ++i) out += i < align.size() && align[i] == 'l' ? " --- |" : " ---: |";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (size_t i = 0; i < header.size(); ++i) {
      out += ' ';
      if (i < r.size()) out += cell(r[i]);
      out += " |";
    }
    out += "\n";
  }
  return out;
}

std::string opt_pps(const Nullable<double>& v) { return v ? human_pps(*v) : "-"; }
std::string opt_ratio(const Nullable<double>& v) { return v ? loss_cell(*v) : "-"; }

std::string summary(const Report& report) {
  std::vector<std::vector<std::string>> rows;
  for (const Scenario& s : report.scenarios) {
    if (s.status != kStatusOk) {
      rows.push_back({s.name, s.status, "-", "-", "-", "-", s.reason ? *s.reason : "-"});
      continue;
    }
    const Throughput* tp = s.throughput ? &*s.throughput : nullptr;
    std::string ndr_pdr = tp && (tp->ndr_pps || tp->pdr_pps) ? opt_pps(tp->ndr_pps) + " / " + opt_pps(tp->pdr_pps) : "-";
    std::string lat = s.latency && s.latency->count
                          ? human_ns(double(s.latency->p50)) + " / " + human_ns(double(s.latency->p99))
                          : "-";
    rows.push_back({s.name, s.status, tp ? human_pps(tp->rx_pps) : "-", tp ? loss_cell(tp->loss_ratio) : "-", ndr_pdr,
                    lat, top_drop_text(s)});
  }
  std::string out = "## Summary\n\n";
  if (rows.empty()) return out + "(no scenarios)\n\n";
  out += table({"scenario", "status", "rx pps", "loss", "NDR / PDR", "p50 / p99", "top drop"}, rows, "llrrrrl");
  return out + "\n";
}

std::string setup_line(const Scenario& s) {
  std::vector<std::string> parts = {"path " + cell(s.path)};
  if (s.traffic) {
    parts.push_back("generator " + cell(s.traffic->generator));
    parts.push_back(fmt::format("{} B frames", s.traffic->frame_size));
    parts.push_back(fmt::format("{} flows", s.traffic->flows));
    parts.push_back(s.traffic->offered_pps ? "offered " + human_pps(double(s.traffic->offered_pps)) : "offered max");
  }
  if (s.topology) {
    parts.push_back(fmt::format("{}, {} queues", cell(s.topology->kind), s.topology->queues));
    if (s.topology->rps_cpus) parts.push_back("rps_cpus " + cell(*s.topology->rps_cpus));
    if (s.topology->xdp_mode) parts.push_back("xdp " + cell(*s.topology->xdp_mode));
  }
  return fmt::format("{}\n\n", fmt::join(parts, ", "));
}

std::string ledger_section(const Scenario& s) {
  if (!s.drops) return "";
  const Ledger& l = s.drops->ledger;
  bool balances = int64_t(l.sent) == int64_t(l.delivered) + int64_t(l.attributed) + l.unaccounted;
  std::string unit = l.unit ? *l.unit : (s.throughput ? s.throughput->unit : kUnitPackets);
  std::string out = fmt::format("**Drop ledger** ({}): sent {} = delivered {} + attributed {} + unaccounted {}{}\n\n", unit,
                                count_cell(l.sent), count_cell(l.delivered), count_cell(l.attributed), grouped(l.unaccounted),
                                balances ? "" : " — does not balance");
  double sent = double(l.sent);
  auto share = [&](double v) { return l.sent ? loss_cell(v / sent) : std::string("-"); };
  out += table({"", "packets", "of sent"},
               {{"sent", count_cell(l.sent), l.sent ? "100.000%" : "-"},
                {"delivered", count_cell(l.delivered), share(double(l.delivered))},
                {"attributed", count_cell(l.attributed), share(double(l.attributed))},
                {"unaccounted", grouped(l.unaccounted), share(double(l.unaccounted))}},
               "l");
  out += "\n";
  std::vector<DropRow> reasons = drops_by_reason(*s.drops);
  if (reasons.empty()) return out + "No attributed drops.\n\n";
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < reasons.size() && i < 10; ++i) {
    const DropRow& r = reasons[i];
    rows.push_back({r.reason, r.where, r.side, count_cell(r.count), share(double(r.count))});
  }
  out += "**Top drop reasons**\n\n" + table({"reason", "where", "side", "count", "of sent"}, rows, "lll");
  if (reasons.size() > 10) out += fmt::format("\n({} more reasons in the JSON report)\n", reasons.size() - 10);
  return out + "\n";
}

std::string goal_row(const char* name, const SearchGoal& g) {
  return fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", name, loss_cell(g.loss_ratio), opt_pps(g.lower_bound_pps),
                     opt_pps(g.upper_bound_pps), opt_pps(g.conditional_pps), opt_ratio(g.width),
                     g.regular ? "yes" : cell("no: " + g.irregular.value_or("?")));
}

std::string search_section(const Scenario& s) {
  if (!s.throughput || !s.throughput->search) return "";
  const Search& x = *s.throughput->search;
  std::string out = fmt::format("**Search** ({}, {} trials in {:.1f} s{}{}): load {} to {} {}\n\n", x.method, x.trial_count,
                                x.search_time_s, x.timed_out ? ", timed out" : "",
                                x.generator_bound ? ", a bound set by the generator" : "", count_cell(x.min_load_pps),
                                count_cell(x.max_load_pps), x.load_unit);
  out += "| goal | loss ratio | lower bound | upper bound | conditional | width | regular |\n";
  out += "| --- | ---: | ---: | ---: | ---: | ---: | --- |\n";
  out += goal_row("NDR", x.ndr);
  out += goal_row("PDR", x.pdr);
  out += "\n";
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < x.trials.size(); ++i) {
    const SearchTrial& t = x.trials[i];
    rows.push_back({fmt::format("{}", i), t.role, human_pps(double(t.offered_pps)), loss_cell(t.loss_ratio),
                    count_cell(t.unsent), human_pps(t.rx_pps),
                    t.moved.empty() ? (t.generator_bound ? "generator bound" : "") : fmt::format("{}", fmt::join(t.moved, ", "))});
  }
  if (!rows.empty())
    out += "<details><summary>search trials</summary>\n\n" +
           table({"#", "role", "offered", "loss", "unsent", "rx", "moved"}, rows, "rlrrrrl") + "\n</details>\n\n";
  return out;
}

std::string repetitions_section(const Scenario& s) {
  if (!s.repetitions) return "";
  const Repetitions& r = *s.repetitions;
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, m] : r.metrics) {
    std::string_view unit = metric_info(name).unit;
    rows.push_back({name, metric_value_text(unit, m.median), metric_value_text(unit, m.min), metric_value_text(unit, m.max),
                    metric_value_text(unit, m.mad), fmt::format("{}", m.values.size())});
  }
  return fmt::format("**Repetitions**: {} (the blocks above are repetition {}, nearest the median of {})\n\n", r.count,
                     r.representative, r.primary) +
         table({"metric", "median", "min", "max", "MAD", "n"}, rows, "l") + "\n";
}

}  // namespace

// The pivot's marks are asterisks: literal ones in Markdown.
std::string literal_stars(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '*') out += '\\';
    out += c;
  }
  return out;
}

std::string render_pivot_markdown(const PivotTable& t) {
  std::vector<std::string> header = t.keys;
  std::string align(t.keys.size(), 'l');
  for (const PivotMetric& m : t.metrics) {
    header.push_back(pivot_heading(m));
    align += m.name == kPivotTopDrop ? 'l' : 'r';
  }
  std::vector<std::vector<std::string>> rows;
  for (const PivotRow& r : t.rows) {
    std::vector<std::string> row = r.key_values;
    for (size_t i = 0; i < r.cells.size() && i < t.metrics.size(); ++i) {
      std::string text = literal_stars(pivot_cell_text(t.metrics[i], r.cells[i]));
      row.push_back(r.cells[i].best ? "**" + text + "**" : text);
    }
    rows.push_back(std::move(row));
  }
  std::string out = fmt::format("## Pivot by {}\n\n", fmt::join(t.keys, ", "));
  if (rows.empty()) return out + "(no ok scenarios)\n\n";
  return out + table(header, rows, align) + "\n" + literal_stars(cell(pivot_legend())) + "\n\n";
}

std::string render_markdown(const Report& report, const PivotTable* pivot) {
  std::string out = "# pathbench report\n\n" + cell(context_line(report.context)) + "\n\n";
  out += summary(report);
  if (pivot) out += render_pivot_markdown(*pivot);
  if (!report.scenarios.empty()) out += "## Scenarios\n\n";
  for (const Scenario& s : report.scenarios) {
    out += "### " + cell(s.name) + "\n\n";
    if (s.status != kStatusOk) {
      out += fmt::format("{}: {}\n\n", s.status, cell(s.reason ? *s.reason : "-"));
      continue;
    }
    out += setup_line(s);
    out += ledger_section(s);
    out += search_section(s);
    out += repetitions_section(s);
  }
  return out;
}

}  // namespace pb::reports
