// Robust summaries of small samples (repetitions): median, min, max and the median absolute
// deviation. The two-sided Mann-Whitney U test `compare` decides with is in compare's files.
#pragma once

#include <vector>

#include "reports/model/repetitions.h"

namespace pb::reports {

// The median (mean of the two middle values for an even count); 0 for no values.
double median(std::vector<double> values);
// Median absolute deviation from the median (unscaled); 0 for fewer than two values.
double mad(const std::vector<double>& values);
// values, median, min, max and MAD; values must not be empty.
MetricStats summarize_values(const std::vector<double>& values);

}  // namespace pb::reports
