// `pathbench compare BASE NEW`: two reports into one verdict per scenario × metric and the
// gate a CI lab fails on (../shared/reference/search-and-compare.md §4.4 and §4.5).
//
// Matching: a scenario of BASE meets the one of NEW with the same name. They are compared only
// when their configuration agrees: same path, same traffic (generator, frame size, flows,
// offered rate) and the same suite keys as given, except the keys that say how long or how
// often to measure (duration, trials, repeat). A name match whose configuration differs is a
// row `skipped` with a note naming what differs, listed in `not_comparable`.
//
// Per metric (reports/metrics.h: direction, gated, ratio): centre = median of the
// repetitions (one value without --repeat). worse > 0 means NEW is worse:
//   - most metrics: worse = relative change oriented by direction, against T = threshold;
//     a base of 0 divides by the mean of |base| and |new| (so 0 -> x is a 200 % change);
//   - ratio metrics (loss_ratio, drops per sent packet, probe cost), by_difference: worse =
//     new - base in absolute fraction of packets, against T × kRatioLimitShare (T = 5 % ->
//     0.005, half a percentage point: the default PDR loss tolerance). A relative change of a
//     near-zero ratio means nothing (0.001 -> 0.002 is "+100 %") and 0 -> anything has none.
// Significance: the two-sided Mann-Whitney U test when 2 / C(n1 + n2, n1) < alpha; otherwise
// the threshold alone decides and the note says "noise not assessed: a vs b repetitions".
//
// Verdicts (row.verdict, row.confirmed):
//   worse > T, p < alpha: regression, confirmed     worse < -T, p < alpha: improvement, confirmed
//   |worse| <= T: same                              |worse| > T, p >= alpha: noise
//   test unavailable, worse > T: regression, unconfirmed (still fails the gate)
//   test unavailable, worse < -T: improvement, unconfirmed
//   ok in BASE, NEW error: error; not in NEW (scenario or gated metric): missing
//   NEW skipped, BASE not ok, only in NEW, not comparable: skipped
// The gate fails (result.regression) on a gated row that is a regression, missing or error;
// other rows are shown, never gated. Scenarios in one report only are listed in only_in_base
// / only_in_new; one ok in BASE and absent from NEW still fails the gate (missing): a
// benchmark that vanished is not a pass.
#pragma once

#include <string>

#include "reports/model/compare.h"
#include "reports/model/report.h"

namespace pb::reports {

// The share of --threshold that is the limit for ratio metrics (an absolute difference).
inline constexpr double kRatioLimitShare = 0.1;

struct CompareOptions {
  double threshold = 0.05;  // a fraction: 0.05 is 5 %
  double alpha = 0.05;
  std::string base_name = "BASE", new_name = "NEW";  // file names, for the result and errors
};

// The comparison of two reports. Throws core::UsageError naming both files when they have no
// scenario in common (by name with the same configuration): there is nothing to gate on.
CompareResult compare_reports(const Report& base, const Report& neu, const CompareOptions& opts);

}  // namespace pb::reports
