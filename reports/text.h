// Plain-text renderings of the model: the run summary (one fixed-width row per scenario) and
// the `env` table; and the number formatting every renderer (Markdown, HTML, pivots) shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reports/model/capabilities.h"
#include "reports/model/report.h"

namespace pb::reports {

// A table of the report's scenarios (name, path, status, sent, delivered, loss, rx rate,
// latency p50 and p99, unaccounted drops from the ledger) under one line of run context. A
// skipped or failed scenario shows its reason in place of the numbers; an ok scenario
// missing a section (a report being written) shows "-" there. Ends with a newline.
std::string render_summary(const Report& report);

// What this host can do, one row per capability (`pathbench env`).
std::string render_capabilities(const Capabilities& caps);

// A packet rate with three or four significant digits: "850 pps", "850.2 kpps",
// "1.23 Mpps", "13.70 Gpps"; "n/a" when not finite.
std::string human_pps(double pps);
// The same for another unit per second ("tps": kernel-tcp rr transactions).
std::string human_rate(double per_s, std::string_view unit);

// A duration given in nanoseconds: "850 ns", "12.3 µs", "1.20 ms", "2.50 s"; "n/a" when
// not finite.
std::string human_ns(double ns);

// The run context in one line: tool, version, git, start, duration, kernel, CPUs.
std::string context_line(const Context& context);

// An integer with thousands separators: 6962448 -> "6,962,448", -120 -> "-120".
std::string grouped(int64_t v);
// A count with thousands separators (any uint64_t).
std::string count_cell(uint64_t v);
// A ratio as a percentage with three decimals: 0.01 -> "1.000%".
std::string loss_cell(double ratio);

// A metric's value in its unit (metrics.h MetricInfo::unit): "pps" human_pps, "ns"
// human_ns, "ratio" loss_cell, else 4 significant digits.
std::string metric_value_text(std::string_view unit, double v);

// A scenario's drop rows merged by reason (summed over places and sides), most first.
std::vector<DropRow> drops_by_reason(const Drops& drops);
// A scenario's top drop reason with its share of sent: "SOCKET_RCVBUFF (0.880%)"; "none"
// without drop rows, "-" without a drops section.
std::string top_drop_text(const Scenario& s);

// Display width of UTF-8 text: one column per code point ("µs" is two columns).
size_t display_width(std::string_view s);

// One row of text_table: its cells, and text printed after them (a reason in place of numbers).
struct TextRow {
  std::vector<std::string> cells;
  std::string trailing;
};
// A fixed-width table: the header, then each row; the first `left_columns` columns are
// left-aligned, the rest right-aligned, two spaces apart, no trailing blanks. Ends with a
// newline.
std::string text_table(const std::vector<std::string>& header, const std::vector<TextRow>& rows,
                       size_t left_columns);

}  // namespace pb::reports
