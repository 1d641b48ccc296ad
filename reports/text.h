// Plain-text renderings of the model: the run summary (one fixed-width row per scenario) and
// the `env` table.
#pragma once

#include <string>

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

// A duration given in nanoseconds: "850 ns", "12.3 µs", "1.20 ms", "2.50 s"; "n/a" when
// not finite.
std::string human_ns(double ns);

}  // namespace pb::reports
