// `--repeat N`: a metric's values over the repetitions of a scenario, and their summary.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pb::reports {

// One metric over the repetitions, in repetition order, and its robust summary.
struct MetricStats {
  std::vector<double> values;
  double median = 0, min = 0, max = 0;
  double mad = 0;  // median absolute deviation from the median (unscaled)
  bool operator==(const MetricStats&) const = default;
};

// A repeated scenario: how many repetitions ran, which one's blocks the scenario carries
// (the one nearest the median of its primary metric), and every metric's values.
struct Repetitions {
  unsigned count = 0;
  unsigned representative = 0;  // index into 0..count-1
  std::string primary;          // the metric that chose it ("throughput.rx_pps", ...)
  std::map<std::string, MetricStats> metrics;  // "throughput.rx_pps", "latency.p99", ...
  std::vector<std::string> failed;  // "repetition 3: <reason>" of those not ok (not counted)
  bool operator==(const Repetitions&) const = default;
};

}  // namespace pb::reports
