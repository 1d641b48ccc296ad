#include "reports/stats.h"

#include <algorithm>
#include <cmath>

namespace pb::reports {

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double mad(const std::vector<double>& values) {
  if (values.size() < 2) return 0;
  double m = median(values);
  std::vector<double> dev;
  dev.reserve(values.size());
  for (double v : values) dev.push_back(std::fabs(v - m));
  return median(std::move(dev));
}

MetricStats summarize_values(const std::vector<double>& values) {
  MetricStats s;
  s.values = values;
  s.median = median(values);
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  s.min = *lo;
  s.max = *hi;
  s.mad = mad(values);
  return s;
}

}  // namespace pb::reports
