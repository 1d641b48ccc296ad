#include "reports/compare_render.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "reports/compare.h"
#include "reports/metrics.h"
#include "reports/svg.h"

namespace pb::reports {
namespace {

bool fails_gate(const CompareRow& r) {
  return r.gated && (r.verdict == kVerdictRegression || r.verdict == kVerdictMissing || r.verdict == kVerdictError);
}

// A metric's value in its unit: counts and nanoseconds whole, ratios as a percentage.
std::string format_value(const Nullable<double>& v, const std::string& metric) {
  if (!v) return "-";
  MetricInfo info = metric_info(metric);
  if (info.ratio) return fmt::format("{:.3g} %", *v * 100);
  if (std::fabs(*v) >= 100) return fmt::format("{:.0f}", *v);
  return fmt::format("{:.4g}", *v);
}

std::string format_change(const CompareRow& r) {
  if (r.by_difference) return r.difference ? fmt::format("{:+.2f} pp", *r.difference * 100) : "-";
  return r.change ? fmt::format("{:+.1f} %", *r.change * 100) : "-";
}

std::string format_p(const CompareRow& r) { return r.p_value ? fmt::format("{:.4f}", *r.p_value) : "-"; }

std::string format_n(const CompareRow& r) { return fmt::format("{} vs {}", r.n_base, r.n_new); }

std::string format_limit(const CompareRow& r) {
  return r.by_difference ? fmt::format("{:g} pp", r.limit * 100) : fmt::format("{:g}%", r.limit * 100);
}

std::string format_values(const std::vector<double>& values) {
  if (values.empty()) return "none";
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(fmt::format("{:g}", v));
  return fmt::format("{}", fmt::join(parts, " "));
}

std::string gate_line(const CompareResult& r) {
  if (r.regression)
    return fmt::format("gate: FAIL: {} regression(s), {} missing or error (gated metrics)", r.regressions, r.errors);
  return fmt::format("gate: pass: no regression ({} improvement(s) of gated metrics)", r.improvements);
}

const char* colour_of(const CompareRow& r) {
  if (r.verdict == kVerdictRegression || r.verdict == kVerdictMissing || r.verdict == kVerdictError) return "\033[31m";
  if (r.verdict == kVerdictImprovement) return "\033[32m";
  if (r.verdict == kVerdictNoise) return "\033[33m";
  if (r.verdict == kVerdictSkipped) return "\033[2m";
  return "";
}

std::vector<std::string> cells_of(const CompareRow& r) {
  return {r.scenario, r.metric, format_value(r.base, r.metric), format_value(r.new_value, r.metric), format_change(r),
          format_p(r), format_n(r), verdict_label(r), r.note};
}

// The one-line account of a row: a failure message, a Markdown cell of notes.
std::string summary_of(const CompareRow& r) {
  std::string unit(metric_info(r.metric).unit);
  std::string s;
  if (r.verdict == kVerdictMissing || r.verdict == kVerdictError || r.verdict == kVerdictSkipped)
    s = fmt::format("{} {}: {}", r.metric, verdict_label(r), r.note);
  else
    s = fmt::format("{} {} (base {}, new {}{}; p={}, n={}; T={}){}", r.metric, format_change(r),
                    format_value(r.base, r.metric), format_value(r.new_value, r.metric),
                    unit.empty() || unit == "ratio" ? "" : " " + unit, r.p_value ? format_p(r) : "n/a", format_n(r),
                    format_limit(r), r.note.empty() ? "" : "; " + r.note);
  return s;
}

// XML 1.0 text and attribute values (JUnit): svg::escape, which also drops the control
// characters XML 1.0 cannot carry.
std::string xml(const std::string& s) { return svg::escape(s); }

// A Markdown table cell: no pipe or newline breaks the row, no HTML is interpreted.
std::string md(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '\n': case '\r': out += ' '; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string md_table(const std::vector<const CompareRow*>& rows) {
  std::string out = "| scenario | metric | base | new | change | p | n | verdict | note |\n"
                    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n";
  for (const CompareRow* r : rows) {
    auto c = cells_of(*r);
    std::string verdict = fails_gate(*r) ? "**" + md(c[7]) + "**" : md(c[7]);
    out += fmt::format("| {} | `{}` | {} | {} | {} | {} | {} | {} | {} |\n", md(c[0]), md(c[1]), md(c[2]), md(c[3]),
                       md(c[4]), md(c[5]), md(c[6]), verdict, md(c[8]));
  }
  return out;
}

// Whether a row is a JUnit test case: the gated metrics, and the stand-in rows of scenarios
// that could not be compared at all.
bool is_testcase(const CompareRow& r) {
  return metric_info(r.metric).gated || r.metric == "status" || r.metric == "configuration";
}

// Jenkins splits a classname at its last dot into package and class.
std::string classname_of(const std::string& scenario) {
  std::string s = scenario;
  for (char& c : s)
    if (c == '.') c = '_';
  return "pathbench." + s;
}

}  // namespace

std::string verdict_label(const CompareRow& row) {
  if ((row.verdict == kVerdictRegression || row.verdict == kVerdictImprovement) && !row.confirmed)
    return row.verdict + " (unconfirmed)";
  return row.verdict;
}

std::string render_compare_text(const CompareResult& r, bool colour) {
  std::vector<std::vector<std::string>> table;
  table.push_back({"SCENARIO", "METRIC", "BASE", "NEW", "CHANGE", "P", "N", "VERDICT", "NOTE"});
  for (const auto& row : r.rows) table.push_back(cells_of(row));
  std::vector<size_t> width(table.front().size(), 0);
  for (const auto& cells : table)
    for (size_t i = 0; i < cells.size(); ++i) width[i] = std::max(width[i], cells[i].size());
  // Numbers align right, names and words left.
  const std::set<size_t> right = {2, 3, 4, 5, 6};

  std::string out = fmt::format("pathbench compare: BASE {}, NEW {} (threshold {:g} %, ratio metrics {:g} pp; alpha {:g})\n",
                                r.base, r.new_file, r.threshold * 100, r.threshold * 100 * kRatioLimitShare, r.alpha);
  for (size_t k = 0; k < table.size(); ++k) {
    const auto& cells = table[k];
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string cell = cells[i];
      bool last = i + 1 == cells.size();
      std::string padded = right.count(i) ? fmt::format("{:>{}}", cell, width[i])
                                          : (last ? cell : fmt::format("{:<{}}", cell, width[i]));
      if (colour && k > 0 && i == 7 && *colour_of(r.rows[k - 1])) padded = colour_of(r.rows[k - 1]) + padded + "\033[0m";
      line += padded;
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  if (!r.only_in_base.empty()) out += fmt::format("only in BASE: {}\n", fmt::join(r.only_in_base, ", "));
  if (!r.only_in_new.empty()) out += fmt::format("only in NEW: {}\n", fmt::join(r.only_in_new, ", "));
  for (const auto& w : r.warnings) out += "warning: " + w + "\n";
  std::string gate = gate_line(r);
  if (colour) gate = (r.regression ? "\033[1;31m" : "\033[1;32m") + gate + "\033[0m";
  return out + gate + "\n";
}

std::string render_compare_markdown(const CompareResult& r) {
  std::vector<const CompareRow*> top, rest;
  for (const auto& row : r.rows)
    if (fails_gate(row)) top.push_back(&row);
  for (const auto& row : r.rows)
    if (!fails_gate(row) && row.verdict == kVerdictRegression) top.push_back(&row);
  for (const auto& row : r.rows)
    if (!fails_gate(row) && row.verdict != kVerdictRegression) rest.push_back(&row);

  std::string out = fmt::format("### pathbench compare: {}\n\n", r.regression ? "**FAIL**" : "pass");
  out += fmt::format("BASE `{}`, NEW `{}`; threshold {:g} % (ratio metrics {:g} pp), alpha {:g}. "
                     "Gated metrics: {} regression(s), {} missing or error, {} improvement(s).\n\n",
                     md(r.base), md(r.new_file), r.threshold * 100, r.threshold * 100 * kRatioLimitShare, r.alpha,
                     r.regressions, r.errors, r.improvements);
  for (const auto& w : r.warnings) out += "> **warning:** " + md(w) + "\n";
  if (!r.warnings.empty()) out += "\n";
  if (top.empty()) out += "No regressions.\n\n";
  else out += md_table(top) + "\n";
  if (!r.only_in_base.empty()) out += fmt::format("Only in BASE: {}\n\n", md(fmt::format("{}", fmt::join(r.only_in_base, ", "))));
  if (!r.only_in_new.empty()) out += fmt::format("Only in NEW: {}\n\n", md(fmt::format("{}", fmt::join(r.only_in_new, ", "))));
  if (!rest.empty())
    out += fmt::format("<details><summary>{} other row(s)</summary>\n\n{}\n</details>\n", rest.size(), md_table(rest));
  return out;
}

std::string render_compare_junit(const CompareResult& r) {
  struct Case {
    std::string classname, name, body;
  };
  std::vector<Case> cases;
  unsigned failures = 0, errors = 0, skipped = 0;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& row : r.rows) {
    if (!is_testcase(row)) continue;
    Case c{classname_of(row.scenario), row.metric, {}};
    // (classname, name) must be unique: GitLab keeps only the first of a duplicate.
    for (unsigned k = 2; !seen.insert({c.classname, c.name}).second; ++k) c.name = fmt::format("{} #{}", row.metric, k);
    std::string msg = xml(summary_of(row));
    if (fails_gate(row) && row.verdict == kVerdictRegression) {
      ++failures;
      c.body += fmt::format("      <failure type=\"regression\" message=\"{0}\">{0}</failure>\n", msg);
    } else if (fails_gate(row)) {
      ++errors;
      c.body += fmt::format("      <error type=\"{1}\" message=\"{0}\">{0}</error>\n", msg, row.verdict);
    } else if (row.verdict == kVerdictSkipped) {
      ++skipped;
      c.body += fmt::format("      <skipped message=\"{0}\">{0}</skipped>\n", msg);
    }
    c.body += fmt::format("      <system-out>{}</system-out>\n",
                          xml(fmt::format("base: {}; new: {}; verdict: {}; {}", format_values(row.base_values),
                                          format_values(row.new_values), verdict_label(row), summary_of(row))));
    cases.push_back(std::move(c));
  }
  if (cases.empty()) {
    ++skipped;
    cases.push_back({"pathbench.compare", "comparable metrics",
                     "      <skipped message=\"no gated metric to compare\">no gated metric to compare</skipped>\n"});
  }
  std::string counts = fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"", cases.size(), failures,
                                   errors, skipped);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"pathbench compare\" {}>\n", counts);
  out += fmt::format("  <testsuite name=\"pathbench compare\" {} time=\"0.000\">\n", counts);
  for (const auto& c : cases)
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"0.000\">\n{}    </testcase>\n", xml(c.classname),
                       xml(c.name), c.body);
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace pb::reports
