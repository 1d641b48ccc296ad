// How unevenly load falls on n bins (RX queues): the one definition the spread family and
// the receivers' per-queue counts share.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

namespace pb::core {

// max/mean (1 = even, n = all on one) and Jain's fairness index (Σx)²/(n·Σx²) (1 = even,
// 1/n = all on one). Both 0 when Σx == 0 (nothing to spread).
struct Imbalance {
  double max_over_mean = 0;
  double jain = 0;
};

inline Imbalance imbalance_of(std::span<const uint64_t> counts) {
  Imbalance r;
  if (counts.empty()) return r;
  long double sum = 0, sum_sq = 0, max = 0;
  for (uint64_t c : counts) {
    sum += c;
    sum_sq += static_cast<long double>(c) * c;
    max = std::max<long double>(max, c);
  }
  if (sum == 0) return r;
  long double n = counts.size();
  r.max_over_mean = double(max / (sum / n));
  r.jain = double(sum * sum / (n * sum_sq));
  return r;
}

}  // namespace pb::core
