// The report as one self-contained HTML file (`report --format html`): inline CSS and inline
// SVG plots (reports/svg.h), no script, nothing fetched from anywhere; and the before/after
// view of a comparison.
#pragma once

#include <string>

#include "reports/model/compare.h"
#include "reports/model/pivot.h"
#include "reports/model/report.h"

namespace pb::reports {

// The run context, the summary table, the pivot when given, then per scenario (h2) its setup
// and plots (h3 each, axes labelled with units): the latency CDF (log x in µs, with the
// latency at fractions of PDR after a search), per-stage p50/p99 bars, the spread (a CPU × RX
// queue heat map where the trials carry the XDP program's matrix, else per-CPU and per-queue
// bars), the drop ledger as stacked bars, each queue's depth over time, the NDR/PDR search
// trace when it searched (loss against offered load in trial order, and the load per trial,
// with the bounds as lines), and the repetitions' spread around their medians when repeated.
// A scenario not ok shows its reason. Ends with a newline.
std::string render_html(const Report& report, const PivotTable* pivot = nullptr);

// A pivot as an HTML table (class "best" on the best cell, "tie" on cells within noise) with
// the marks of pivot_cell_text and the legend.
std::string render_pivot_html(const PivotTable& table);

// `compare`'s result as a before/after page: the gate, warnings, the scenarios in one report
// only, then per scenario the gated metrics as base/new bars (new relative to base = 100 %,
// coloured by verdict, labelled with the change) and a table of every row (base, new,
// change, verdict, p, note). `base` and `neu` give each side's context. Ends with a newline.
std::string render_compare_html(const CompareResult& result, const Report& base, const Report& neu);

}  // namespace pb::reports
