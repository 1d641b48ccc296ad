// The two-sided Mann-Whitney U test `pathbench compare` decides with
// (../shared/reference/search-and-compare.md §4.1): exact null distribution for small samples
// without ties, else the normal approximation with tie and continuity correction, as
// scipy.stats.mannwhitneyu(method='auto') computes it.
#pragma once

#include <vector>

namespace pb::reports {

struct MannWhitney {
  double u1 = 0, u2 = 0;  // U of x and of y; u1 + u2 = n1 * n2
  double p = 1;           // two-sided
  bool exact = false;     // counted from the null distribution (no ties, min(n1, n2) <= 8)
};

// The test of x against y. Either sample empty, or every value equal: p = 1.
MannWhitney mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y);

// The smallest two-sided p the test can give for these sample sizes: 2 / C(n1 + n2, n1),
// at most 1. A caller whose alpha is not above it cannot confirm anything with the test.
double min_p(unsigned n1, unsigned n2);

}  // namespace pb::reports
