// Renderings of a compare result (reports/compare.h): an aligned text table, a Markdown
// comment for a merge request, and JUnit XML as Jenkins and GitLab read it
// (../shared/reference/search-and-compare.md §5.2, §5.3). JSON is to_json_text (reports/json.h).
#pragma once

#include <string>

#include "reports/model/compare.h"

namespace pb::reports {

// "regression", "regression (unconfirmed)", "improvement (unconfirmed)", "same", ...
std::string verdict_label(const CompareRow& row);

// One aligned row per comparison (scenario, metric, base, new, change, p, n, verdict, note),
// then the scenarios in one report only, the warnings and the gate. `colour`: ANSI colours
// on the verdicts (for a terminal). Ends with a newline.
std::string render_compare_text(const CompareResult& result, bool colour);

// A headline with the gate, a table of what fails it (regressions, missing, error) and the
// other regressions, then the rest collapsed in a <details> block. Ends with a newline.
std::string render_compare_markdown(const CompareResult& result);

// testsuites > testsuite > one testcase per scenario × gated metric (and per scenario that
// could not be compared): regression -> failure, missing/error -> error, not comparable ->
// skipped, each with a message attribute and the same text; values in system-out. Always at
// least one testcase. Ends with a newline.
std::string render_compare_junit(const CompareResult& result);

}  // namespace pb::reports
