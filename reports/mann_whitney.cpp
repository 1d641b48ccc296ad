#include "reports/mann_whitney.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace pb::reports {
namespace {

// Up to this smaller sample size, without ties, p is counted exactly (scipy's 'auto').
constexpr size_t kExactMax = 8;

// P(U >= u) under H0 for samples of n1 and n2, by counting the rank assignments: the number
// of arrangements with statistic k of (m, n) obeys c(m, n, k) = c(m - 1, n, k - n) + c(m, n - 1, k)
// (the largest value is either in the first sample, beating all n of the second, or not).
// Counts are doubles: C(n1 + n2, n1) outgrows 64 bits when the larger sample is big.
double exact_upper_tail(size_t n1, size_t n2, double u) {
  const size_t umax = n1 * n2;
  // table[m][k] for the current n; start at n = 0: one arrangement, U = 0.
  std::vector<std::vector<double>> table(n1 + 1, std::vector<double>(umax + 1, 0));
  for (size_t m = 0; m <= n1; ++m) table[m][0] = 1;
  for (size_t n = 1; n <= n2; ++n) {
    // Rows grow in m; row m for n uses row m - 1 for n (already updated) and row m for n - 1.
    for (size_t m = 1; m <= n1; ++m) {
      std::vector<double> next(umax + 1, 0);
      for (size_t k = 0; k <= m * n; ++k) {
        double from_first = k >= n ? table[m - 1][k - n] : 0;
        double from_second = k <= m * (n - 1) ? table[m][k] : 0;
        next[k] = from_first + from_second;
      }
      table[m] = std::move(next);
    }
  }
  double total = 0, tail = 0;
  for (size_t k = 0; k <= umax; ++k) {
    total += table[n1][k];
    if (double(k) >= u - 1e-9) tail += table[n1][k];
  }
  return tail / total;
}

}  // namespace

double min_p(unsigned n1, unsigned n2) {
  if (n1 == 0 || n2 == 0) return 1;
  // C(n1 + n2, n1) as a product of ratios, in doubles (no overflow for any real count).
  double c = 1;
  unsigned k = std::min(n1, n2), n = n1 + n2;
  for (unsigned i = 1; i <= k; ++i) c = c * double(n - k + i) / double(i);
  return std::min(1.0, 2.0 / c);
}

MannWhitney mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y) {
  MannWhitney r;
  const size_t n1 = x.size(), n2 = y.size(), n = n1 + n2;
  if (n1 == 0 || n2 == 0) return r;

  // Ranks of the pooled sample, ties at their average rank.
  std::vector<std::pair<double, bool>> pooled;  // value, from x
  pooled.reserve(n);
  for (double v : x) pooled.emplace_back(v, true);
  for (double v : y) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0, tie_term = 0;
  bool ties = false;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && pooled[j].first == pooled[i].first) ++j;
    double t = double(j - i);
    double avg_rank = (double(i + 1) + double(j)) / 2;
    for (size_t k = i; k < j; ++k)
      if (pooled[k].second) rank_sum_x += avg_rank;
    if (t > 1) {
      ties = true;
      tie_term += t * t * t - t;
    }
    i = j;
  }
  r.u1 = rank_sum_x - double(n1) * double(n1 + 1) / 2;
  r.u2 = double(n1) * double(n2) - r.u1;
  const double u = std::max(r.u1, r.u2);

  if (!ties && std::min(n1, n2) <= kExactMax) {
    r.exact = true;
    r.p = std::min(1.0, 2 * exact_upper_tail(n1, n2, u));
    return r;
  }
  const double nn = double(n);
  const double var = double(n1) * double(n2) / 12 * ((nn + 1) - tie_term / (nn * (nn - 1)));
  if (var <= 0) return r;  // every value equal: nothing tells the samples apart
  // The continuity correction moves U half a step toward the mean (U >= mean here).
  const double z = (u - double(n1) * double(n2) / 2 - 0.5) / std::sqrt(var);
  r.p = std::clamp(std::erfc(z / std::sqrt(2.0)), 0.0, 1.0);  // 2 * normal upper tail
  return r;
}

}  // namespace pb::reports
