// core::imbalance_of on hand-made per-queue counts: max/mean and Jain's index, even, all on
// one bin, and nothing at all.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "bench/core/imbalance.h"

namespace pb::core {
namespace {

TEST(ImbalanceTest, EvenAndSkewed) {
  std::vector<uint64_t> even{5, 5, 5, 5}, one{0, 0, 8, 0}, none{0, 0};
  EXPECT_DOUBLE_EQ(core::imbalance_of(even).max_over_mean, 1.0);
  EXPECT_DOUBLE_EQ(core::imbalance_of(even).jain, 1.0);
  EXPECT_DOUBLE_EQ(core::imbalance_of(one).max_over_mean, 4.0);
  EXPECT_DOUBLE_EQ(core::imbalance_of(one).jain, 0.25);
  EXPECT_EQ(core::imbalance_of(none).jain, 0.0);
}

}  // namespace
}  // namespace pb::core
