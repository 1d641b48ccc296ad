// `report --pivot KEY[,KEY]`: a sweep laid out as a table by suite keys, one row per
// combination of the keys' values, one column per metric, the best cell of each metric
// marked and cells within the repetitions' noise of the best shown as ties.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/model/values.h"

namespace pb::reports {

struct PivotCell {
  Nullable<double> value;           // the centre (median over repetitions)
  std::optional<std::string> text;  // a text metric (top drop reason)
  Nullable<double> low, high;       // the repetitions' range, when repeated
  bool best = false;                // the best value of this metric
  bool tie = false;                 // within noise of the best: not a winner
  bool operator==(const PivotCell&) const = default;
};

struct PivotMetric {
  std::string name;    // "throughput.rx_pps", "latency.p99", "top_drop_reason", ...
  std::string better;  // "higher" | "lower" | "" (not ranked)
  std::string unit;
  bool operator==(const PivotMetric&) const = default;
};

struct PivotRow {
  std::vector<std::string> key_values;  // one per pivot key, as the suite gave it
  std::vector<std::string> scenarios;   // the scenarios behind the row
  std::vector<PivotCell> cells;         // one per metric
  bool operator==(const PivotRow&) const = default;
};

struct PivotTable {
  std::vector<std::string> keys;
  std::vector<PivotMetric> metrics;
  std::vector<PivotRow> rows;
  bool operator==(const PivotTable&) const = default;
};

}  // namespace pb::reports
