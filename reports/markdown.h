// The report as Markdown (`report --format md`): for a pull request, a wiki or a CI summary.
#pragma once

#include <string>

#include "reports/model/pivot.h"
#include "reports/model/report.h"

namespace pb::reports {

// The run context, a summary table (scenario, status, rx pps, loss, NDR/PDR, p50/p99, top
// drop; a reason in place of the numbers for a scenario not ok), the pivot when given, then
// per scenario: the drop ledger (sent = delivered + attributed + unaccounted, and whether it
// balances), the top drop reasons, the search's bounds and trials when it searched, and the
// repetitions' median/min/max/MAD when repeated. Ends with a newline.
std::string render_markdown(const Report& report, const PivotTable* pivot = nullptr);

// A pivot as a Markdown table with the marks of pivot_cell_text and the legend under it.
std::string render_pivot_markdown(const PivotTable& table);

}  // namespace pb::reports
