// The metrics a scenario yields, one number each, under dotted names that follow the report
// ("throughput.rx_pps", "latency.p99", "stages.<stage>.p99", "drops.<reason>"): what
// `--repeat` summarises per repetition, what `compare` compares and what a pivot lays out.
// Each has a direction (higher or lower is better) and whether `compare` gates on it
// (../shared/reference/search-and-compare.md §4.5).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reports/model/report.h"

namespace pb::reports {

struct MetricInfo {
  bool higher_is_better = false;
  bool gated = false;   // a regression of it fails `compare`
  bool ratio = false;   // a fraction in [0, 1] (loss, drops per sent): compared by difference
  std::string_view unit;  // "pps", "ns", "ratio", ""
};

// What is known of a metric name (stage and drop-reason names are patterns).
MetricInfo metric_info(std::string_view name);

// The metrics one run of a scenario yields (an ok scenario; empty otherwise). A metric the
// scenario lacks (no search: no ndr_pps) is left out, never zero.
std::map<std::string, double> scenario_metrics(const Scenario& s);

// Whether a metric the scenario lacks is 0 rather than unknown: a drop reason an ok scenario
// with a ledger never saw (scenario_metrics lists only the reasons that occurred).
bool zero_when_absent(const Scenario& s, std::string_view name);

// A metric's value per repetition: from `repetitions` when the scenario was repeated, else
// the one value of scenario_metrics; zeros where zero_when_absent, else empty.
std::vector<double> metric_values(const Scenario& s, const std::string& name);

// The metric names a scenario carries, in scenario_metrics order (or the repetitions').
std::vector<std::string> metric_names(const Scenario& s);

// The metric that names a repetition's representative and a scenario's headline figure:
// throughput.pdr_pps after a search, else throughput.rx_pps.
std::string primary_metric(const Scenario& s);

}  // namespace pb::reports
