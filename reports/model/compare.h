// `pathbench compare BASE NEW`: one row per common scenario × metric with its verdict
// (../shared/reference/search-and-compare.md §4.4), the scenarios in only one report, and
// the overall gate.
#pragma once

#include <string>
#include <vector>

#include "reports/model/values.h"

namespace pb::reports {

inline constexpr int kCompareSchemaVersion = 1;

// Verdicts.
inline constexpr const char* kVerdictRegression = "regression";
inline constexpr const char* kVerdictImprovement = "improvement";
inline constexpr const char* kVerdictSame = "same";
inline constexpr const char* kVerdictNoise = "noise";      // beyond the threshold, within noise
inline constexpr const char* kVerdictMissing = "missing";  // ok in BASE, absent in NEW
inline constexpr const char* kVerdictError = "error";      // ok in BASE, error in NEW
inline constexpr const char* kVerdictSkipped = "skipped";  // not comparable (skipped, absent)

struct CompareRow {
  std::string scenario, metric;
  std::string better;  // "higher" | "lower"
  bool gated = false;  // a regression here fails the gate
  Nullable<double> base, new_value;  // centres (medians of the repetitions)
  Nullable<double> change;           // (new - base) / |base|; base 0: / mean(|base|, |new|)
  Nullable<double> difference;       // new - base, in the metric's unit
  bool by_difference = false;        // a ratio metric: the verdict weighed `difference`, not `change`
  double limit = 0;                  // the threshold the verdict applied (fraction, or ratio units)
  Nullable<double> p_value;          // Mann-Whitney U, two-sided; null: not assessed
  unsigned n_base = 0, n_new = 0;
  std::string verdict;
  bool confirmed = false;            // the U test reached alpha
  std::string note;                  // "noise not assessed: 1 vs 1 repetitions", ...
  std::vector<double> base_values, new_values;
  bool operator==(const CompareRow&) const = default;
};

struct CompareResult {
  int schema_version = kCompareSchemaVersion;
  std::string base, new_file;  // file names as given
  double threshold = 0.05, alpha = 0.05;
  std::vector<CompareRow> rows;
  std::vector<std::string> only_in_base, only_in_new;  // scenario names
  std::vector<std::string> warnings;                   // host or kernel differ, ...
  std::vector<std::string> not_comparable;             // same name, different configuration
  unsigned regressions = 0, improvements = 0;  // gated rows, confirmed or not
  unsigned errors = 0;      // gated rows missing or error in NEW
  bool regression = false;  // the gate (regressions + errors > 0): exit 1
  bool operator==(const CompareResult&) const = default;
};

}  // namespace pb::reports
