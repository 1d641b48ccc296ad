// `report --pivot KEY[,KEY]`: a sweep laid out by suite keys (reports/model/pivot.h), its
// cells' formatting, and the terminal rendering (Markdown and HTML render it in their files).
#pragma once

#include <string>
#include <vector>

#include "reports/model/pivot.h"
#include "reports/model/report.h"

namespace pb::reports {

// Metric names of the pivot's non-numeric column.
inline constexpr const char* kPivotTopDrop = "top_drop_reason";

// Without repetitions a cell ties with the best when its centre is within this fraction of
// the best's centre (|value - best| <= 1 % of |best|).
inline constexpr double kPivotTieFraction = 0.01;

// One row per distinct combination of the keys' values over the ok scenarios (values from
// given_values(scenario.given), "-" for a scenario that lacks a key), in order of first
// appearance. Columns: throughput.rx_pps, throughput.ndr_pps and .pdr_pps (when a scenario
// searched), latency.p50, latency.p99, throughput.loss_ratio, top_drop_reason (text; value:
// its share of sent), probes.overhead.cost and probes.bpf.ns_per_packet (each when a
// scenario has it). A cell pools the metric's values per repetition (metric_values) of
// the row's scenarios: value = median, low/high = min/max when there are two values or
// more. `best`: the best value by the metric's direction. `tie`: a cell whose range
// [low, high] overlaps the best's, or, when either has a single value, whose value is within
// kPivotTieFraction of the best; the best cell is marked tie too when anything ties with it
// (then it is no clear winner). Throws core::UsageError naming --pivot for no keys, an
// empty or repeated key, or a key no scenario has (listing the keys the report has).
PivotTable pivot(const Report& report, const std::vector<std::string>& keys);

// A numeric cell value in the metric's unit: "1.23 Mpps", "12.3 µs", "0.500%"; "-" for none.
std::string pivot_value_text(const PivotMetric& metric, const PivotCell& cell);
// The cell with its range and marks: "1.23 Mpps [1.20 Mpps–1.25 Mpps] *".
std::string pivot_cell_text(const PivotMetric& metric, const PivotCell& cell);
// The mark of a cell: "*" the clear best, "*≈" the best with ties, "≈" within noise of the
// best, "" otherwise.
std::string pivot_mark(const PivotCell& cell);
// A column's short heading: "rx pps", "NDR", "p99", "loss", "top drop", ...
std::string pivot_heading(const PivotMetric& metric);
// What the marks mean (one sentence, for under the table).
std::string pivot_legend();

// The pivot as a fixed-width terminal table under a line naming its keys, then the legend.
std::string render_pivot_text(const PivotTable& table);

}  // namespace pb::reports
