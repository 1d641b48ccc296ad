#include "bench/core/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace pb::core {
namespace {

constexpr uint32_t kLast = PB_HIST_NBUCKETS - 1;
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

// Independent statement of the scheme (std::bit_width instead of the binary search).
uint32_t reference_bucket(uint64_t v) {
  if (v < 256) return static_cast<uint32_t>(v);
  auto shift = static_cast<uint32_t>(std::bit_width(v) - 8);
  if (shift > 33) return kLast;
  return 128 * shift + static_cast<uint32_t>(v >> shift);
}

// Exact nearest-rank percentile; q_e4 is q in units of 1/10000 percent, so the rank is
// computed in integers, independently of the floating-point path in Histogram.
uint64_t exact_percentile(const std::vector<uint64_t>& sorted, uint64_t q_e4) {
  uint64_t n = sorted.size();
  uint64_t rank = (q_e4 * n + 999999) / 1000000;
  rank = std::clamp<uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

TEST(HistogramBuckets, Constants) {
  EXPECT_EQ(PB_HIST_NBUCKETS, 4480u);
  EXPECT_EQ(Histogram::kBuckets, 4480u);
}

TEST(HistogramBuckets, LinearBelow256) {
  for (uint64_t v = 0; v < 256; ++v) {
    EXPECT_EQ(pb_hist_bucket(v), v);
    EXPECT_EQ(pb_hist_bucket_lower(static_cast<uint32_t>(v)), v);
    EXPECT_EQ(pb_hist_bucket_upper(static_cast<uint32_t>(v)), v);
  }
}

TEST(HistogramBuckets, KnownValues) {
  EXPECT_EQ(pb_hist_bucket(255), 255u);
  EXPECT_EQ(pb_hist_bucket(256), 256u);  // shift 1, 256 >> 1 = 128, 128 + 128
  EXPECT_EQ(pb_hist_bucket(257), 256u);
  EXPECT_EQ(pb_hist_bucket(258), 257u);
  EXPECT_EQ(pb_hist_bucket(511), 383u);
  EXPECT_EQ(pb_hist_bucket(512), 384u);  // shift 2
  EXPECT_EQ(pb_hist_bucket(1000), 128u * 2 + 250);
  EXPECT_EQ(pb_hist_bucket(1000000000), 128u * 22 + (1000000000u >> 22));  // msb 29
  EXPECT_EQ(pb_hist_bucket_lower(256), 256u);
  EXPECT_EQ(pb_hist_bucket_upper(256), 257u);
  EXPECT_EQ(pb_hist_bucket_lower(384), 512u);
  EXPECT_EQ(pb_hist_bucket_upper(384), 515u);
}

TEST(HistogramBuckets, MatchesReferenceOnRandomAndEdgeValues) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 200000; ++i) {
    // Spread over all magnitudes: a random 64-bit value shifted right by 0..63.
    uint64_t v = rng() >> (rng() % 64);
    ASSERT_EQ(pb_hist_bucket(v), reference_bucket(v)) << v;
  }
  for (int k = 0; k < 64; ++k) {
    uint64_t p = uint64_t{1} << k;
    for (uint64_t v : {p - 1, p, p + 1, p + p / 2, p | (p - 1)})
      ASSERT_EQ(pb_hist_bucket(v), reference_bucket(v)) << v;
  }
}

TEST(HistogramBuckets, MonotoneAndContinuousOnSmallValues) {
  uint32_t prev = pb_hist_bucket(0);
  EXPECT_EQ(prev, 0u);
  for (uint64_t v = 1; v <= (uint64_t{1} << 21); ++v) {
    uint32_t b = pb_hist_bucket(v);
    ASSERT_TRUE(b == prev || b == prev + 1) << "v=" << v << " bucket " << b << " after " << prev;
    prev = b;
  }
}

TEST(HistogramBuckets, ContinuousAtEveryPowerOfTwo) {
  for (int k = 1; k < 64; ++k) {
    uint64_t p = uint64_t{1} << k;
    uint32_t below = pb_hist_bucket(p - 1);
    uint32_t at = pb_hist_bucket(p);
    if (below == kLast) {
      EXPECT_EQ(at, kLast) << "k=" << k;
    } else {
      EXPECT_EQ(at, below + 1) << "k=" << k;
      EXPECT_EQ(pb_hist_bucket_lower(at), p) << "k=" << k;
      EXPECT_EQ(pb_hist_bucket_upper(below), p - 1) << "k=" << k;
    }
  }
}

TEST(HistogramBuckets, BoundsTileTheValueRange) {
  EXPECT_EQ(pb_hist_bucket_lower(0), 0u);
  for (uint32_t i = 0; i < PB_HIST_NBUCKETS; ++i) {
    uint64_t lo = pb_hist_bucket_lower(i);
    uint64_t hi = pb_hist_bucket_upper(i);
    ASSERT_LE(lo, hi) << i;
    ASSERT_EQ(pb_hist_bucket(lo), i) << i;
    ASSERT_EQ(pb_hist_bucket(hi), i) << i;
    if (i > 0) {
      ASSERT_EQ(lo, pb_hist_bucket_upper(i - 1) + 1) << i;
    }
    if (i + 1 < PB_HIST_NBUCKETS) {
      ASSERT_EQ(pb_hist_bucket(hi + 1), i + 1) << i;
    }
  }
  EXPECT_EQ(pb_hist_bucket_upper(kLast), kU64Max);
}

TEST(HistogramBuckets, RelativeWidthAtMostOneIn128) {
  // Every bucket but the last (which also takes clamped values): (upper - lower) / lower
  // <= 1/128, checked in integers.
  for (uint32_t i = 1; i < kLast; ++i) {
    uint64_t lo = pb_hist_bucket_lower(i);
    uint64_t hi = pb_hist_bucket_upper(i);
    ASSERT_LE((hi - lo) * 128, lo) << "bucket " << i << " [" << lo << ", " << hi << "]";
  }
  // The last bucket's unclamped range obeys the same bound.
  uint64_t lo = pb_hist_bucket_lower(kLast);
  uint64_t hi = (uint64_t{1} << 41) - 1;
  EXPECT_EQ(pb_hist_bucket(hi), kLast);
  EXPECT_EQ(pb_hist_bucket(lo - 1), kLast - 1);
  EXPECT_LE((hi - lo) * 128, lo);
}

TEST(HistogramBuckets, HugeValuesClampIntoLastBucket) {
  EXPECT_EQ(pb_hist_bucket((uint64_t{1} << 41) - 1), kLast);
  EXPECT_EQ(pb_hist_bucket(uint64_t{1} << 41), kLast);
  EXPECT_EQ(pb_hist_bucket(uint64_t{1} << 50), kLast);
  EXPECT_EQ(pb_hist_bucket(kU64Max), kLast);
  EXPECT_EQ(pb_hist_bucket_lower(kLast + 100), pb_hist_bucket_lower(kLast));
  EXPECT_EQ(pb_hist_bucket_upper(kLast + 100), kU64Max);
}

TEST(Histogram, ClampedValuesKeepExactExtremes) {
  Histogram h;
  h.record(1000);
  h.record(kU64Max);
  h.record(uint64_t{1} << 45, 3);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.bucket_count(kLast), 4u);
  EXPECT_EQ(h.max(), kU64Max);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.percentile(100), kU64Max);
  EXPECT_EQ(h.percentile(0), 1000u);
  auto b = h.buckets();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b.back().first, kU64Max);
  EXPECT_EQ(b.back().second, 4u);
}

struct Distribution {
  std::string name;
  std::function<uint64_t(std::mt19937_64&)> draw;
};

constexpr double kCap = 2e12;  // below 2^41: the range with the 1% guarantee

std::vector<Distribution> distributions() {
  auto capped = [](double x) { return static_cast<uint64_t>(std::min(std::max(x, 0.0), kCap)); };
  return {
      {"uniform_small",
       [](std::mt19937_64& r) { return std::uniform_int_distribution<uint64_t>(0, 1000)(r); }},
      {"log_uniform_1ns_10s",
       [=](std::mt19937_64& r) {
         return capped(std::exp(std::uniform_real_distribution<double>(0.0, std::log(1e10))(r)));
       }},
      {"pareto_alpha_1.1",
       [=](std::mt19937_64& r) {
         double u = std::uniform_real_distribution<double>(0.0, 1.0)(r);
         return capped(2000.0 / std::pow(1.0 - u, 1.0 / 1.1));
       }},
      {"pareto_alpha_0.5_very_heavy",
       [=](std::mt19937_64& r) {
         double u = std::uniform_real_distribution<double>(0.0, 1.0)(r);
         return capped(50.0 / std::pow(1.0 - u, 1.0 / 0.5));
       }},
      {"lognormal_us",
       [=](std::mt19937_64& r) {
         return capped(std::lognormal_distribution<double>(9.0, 1.5)(r));
       }},
      {"exponential_20us",
       [=](std::mt19937_64& r) {
         return capped(std::exponential_distribution<double>(1.0 / 20000)(r));
       }},
      {"bimodal_with_outliers",
       [=](std::mt19937_64& r) {
         double u = std::uniform_real_distribution<double>(0.0, 1.0)(r);
         if (u < 0.6) return capped(std::normal_distribution<double>(5000, 300)(r));
         if (u < 0.999) return capped(std::normal_distribution<double>(80000, 5000)(r));
         return capped(std::uniform_real_distribution<double>(1e8, 1e10)(r));
       }},
  };
}

TEST(Histogram, PercentilesWithinOnePercentOnRandomData) {
  const std::vector<uint64_t> q_e4 = {0,      10000,  100000, 250000, 500000, 750000,
                                      900000, 990000, 999000, 999900, 1000000};
  for (const auto& d : distributions()) {
    std::mt19937_64 rng(42);
    std::vector<uint64_t> values(200000);
    Histogram h;
    long double sum = 0;
    for (auto& v : values) {
      v = d.draw(rng);
      h.record(v);
      sum += v;
    }
    std::sort(values.begin(), values.end());
    ASSERT_EQ(h.count(), values.size()) << d.name;
    EXPECT_EQ(h.min(), values.front()) << d.name;
    EXPECT_EQ(h.max(), values.back()) << d.name;
    EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(sum / values.size())) << d.name;
    for (uint64_t q : q_e4) {
      double qd = static_cast<double>(q) / 10000.0;
      uint64_t want = exact_percentile(values, q);
      uint64_t got = h.percentile(qd);
      double err = std::fabs(static_cast<double>(got) - static_cast<double>(want));
      EXPECT_LE(err, 0.01 * static_cast<double>(want))
          << d.name << " p" << qd << ": got " << got << ", exact " << want;
    }
  }
}

TEST(Histogram, PercentileOfSmallSetsIsExact) {
  // Below 256 every value has its own bucket, so nearest-rank percentiles are exact.
  Histogram h;
  for (uint64_t v = 1; v <= 200; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0), 1u);
  EXPECT_EQ(h.percentile(50), 100u);
  EXPECT_EQ(h.percentile(50.1), 101u);
  EXPECT_EQ(h.percentile(90), 180u);
  EXPECT_EQ(h.percentile(99), 198u);
  EXPECT_EQ(h.percentile(99.9), 200u);
  EXPECT_EQ(h.percentile(100), 200u);
  // 99.9 is not exact in binary: rank 999 of 1000, not 1000.
  Histogram k;
  for (uint64_t v = 0; v < 999; ++v) k.record(std::min<uint64_t>(v, 254));
  k.record(255);
  EXPECT_EQ(k.percentile(99.9), 254u);
  EXPECT_EQ(k.percentile(100), 255u);
}

TEST(Histogram, PercentileRejectsOutOfRange) {
  Histogram h;
  h.record(5);
  EXPECT_THROW(h.percentile(-0.1), std::out_of_range);
  EXPECT_THROW(h.percentile(100.5), std::out_of_range);
  EXPECT_THROW(h.percentile(std::nan("")), std::out_of_range);
}

TEST(Histogram, PercentileStaysWithinMinMax) {
  Histogram h;
  h.record(1000001, 10);  // bucket midpoint differs from the only value
  for (double q : {0.0, 25.0, 50.0, 99.0, 100.0}) EXPECT_EQ(h.percentile(q), 1000001u) << q;
}

TEST(Histogram, RecordWithMultiplicity) {
  Histogram a, b;
  a.record(777, 5);
  a.record(3, 0);
  for (int i = 0; i < 5; ++i) b.record(777);
  EXPECT_EQ(a.count(), 5u);
  EXPECT_EQ(a.min(), 777u);
  EXPECT_EQ(a.buckets(), b.buckets());
  EXPECT_DOUBLE_EQ(a.mean(), 777.0);
}

TEST(Histogram, MergeEqualsRecordingIntoOne) {
  std::mt19937_64 rng(7);
  Histogram one, a, b, c;
  for (int i = 0; i < 50000; ++i) {
    uint64_t v = rng() >> (20 + rng() % 44);  // values up to 2^44: some clamp
    one.record(v);
    (i % 3 == 0 ? a : i % 3 == 1 ? b : c).record(v);
  }
  Histogram merged;
  merged.merge(a);
  merged.merge(b);
  merged.merge(c);
  merged.merge(Histogram{});
  EXPECT_EQ(merged.count(), one.count());
  EXPECT_EQ(merged.min(), one.min());
  EXPECT_EQ(merged.max(), one.max());
  EXPECT_DOUBLE_EQ(merged.mean(), one.mean());
  EXPECT_EQ(merged.buckets(), one.buckets());
  for (size_t i = 0; i < Histogram::kBuckets; ++i)
    ASSERT_EQ(merged.bucket_count(i), one.bucket_count(i));
  for (double q : {0.0, 50.0, 90.0, 99.0, 99.9, 100.0})
    EXPECT_EQ(merged.percentile(q), one.percentile(q));
  EXPECT_EQ(summarize(merged), summarize(one));
}

TEST(Histogram, AddBucketCountsLikeABpfMap) {
  std::vector<uint64_t> counts(Histogram::kBuckets, 0);
  counts[pb_hist_bucket(100)] = 4;
  counts[pb_hist_bucket(50000)] = 2;
  counts[pb_hist_bucket(3000000)] = 1;
  Histogram h;
  h.add_bucket_counts(counts.data(), counts.size());
  EXPECT_EQ(h.count(), 7u);
  EXPECT_EQ(h.min(), 100u);  // a bucket of its own: exact
  EXPECT_EQ(h.max(), pb_hist_bucket_upper(pb_hist_bucket(3000000)));
  EXPECT_GE(h.max(), 3000000u);
  EXPECT_EQ(h.percentile(50), 100u);
  EXPECT_NEAR(static_cast<double>(h.percentile(80)), 50000.0, 500.0);
  EXPECT_NEAR(h.mean(), (4 * 100.0 + 2 * 50000.0 + 3000000.0) / 7,
              0.01 * 3000000.0 / 7 + 0.01 * 50000);
  auto b = h.buckets();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], std::make_pair(uint64_t{100}, uint64_t{4}));
  EXPECT_EQ(b[1].second, 2u);
  EXPECT_EQ(b[1].first, pb_hist_bucket_upper(pb_hist_bucket(50000)));
  EXPECT_EQ(b[2].second, 1u);

  // Adding to recorded data: counts sum, min/max combine.
  Histogram r;
  r.record(20);
  r.add_bucket_counts(counts.data(), counts.size());
  EXPECT_EQ(r.count(), 8u);
  EXPECT_EQ(r.min(), 20u);
  EXPECT_EQ(r.bucket_count(pb_hist_bucket(100)), 4u);

  // A shorter array (a map with fewer entries) is fine; a longer one is refused.
  Histogram s;
  uint64_t few[3] = {0, 2, 1};
  s.add_bucket_counts(few, 3);
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(s.min(), 1u);
  EXPECT_EQ(s.max(), 2u);
  std::vector<uint64_t> too_many(Histogram::kBuckets + 1, 1);
  EXPECT_THROW(s.add_bucket_counts(too_many.data(), too_many.size()), std::invalid_argument);
  EXPECT_EQ(s.count(), 3u);
}

TEST(Histogram, EmptyHistogram) {
  Histogram h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_TRUE(h.buckets().empty());
  h.record(0);
  EXPECT_FALSE(h.empty());
  EXPECT_EQ(h.count(), 1u);
}

TEST(Histogram, Summary) {
  Histogram h;
  for (uint64_t v : std::initializer_list<uint64_t>{100, 100, 200, 1000, 70000}) h.record(v);
  reports::Latency l = summarize(h);
  EXPECT_EQ(l.count, 5u);
  EXPECT_EQ(l.min, 100u);
  EXPECT_EQ(l.max, 70000u);
  EXPECT_EQ(l.p50, 200u);
  EXPECT_DOUBLE_EQ(l.mean, 71400.0 / 5);
  EXPECT_EQ(l.p999, 70000u);
  ASSERT_EQ(l.histogram.size(), 4u);
  uint64_t total = 0, prev_upper = 0;
  for (const auto& [upper, count] : l.histogram) {
    EXPECT_GT(upper, prev_upper);
    prev_upper = upper;
    total += count;
  }
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(l.histogram[0], (std::pair<uint64_t, uint64_t>{100, 2}));
  EXPECT_EQ(l.histogram[3].first, pb_hist_bucket_upper(pb_hist_bucket(70000)));
}

TEST(Histogram, SummaryPercentiles) {
  Histogram h;
  for (uint64_t v = 1; v <= 1000; ++v) h.record(v);
  reports::Latency l = summarize(h);
  EXPECT_EQ(l.p50, h.percentile(50));
  EXPECT_EQ(l.p90, h.percentile(90));
  EXPECT_EQ(l.p99, h.percentile(99));
  EXPECT_EQ(l.p999, h.percentile(99.9));
  EXPECT_NEAR(double(l.p50), 500.0, 5.0);
  EXPECT_NEAR(double(l.p90), 900.0, 9.0);
  EXPECT_NEAR(double(l.p99), 990.0, 9.9);
  EXPECT_NEAR(double(l.p999), 999.0, 9.99);
  EXPECT_LT(l.p99, l.p999);
  EXPECT_EQ(l.max, 1000u);
  EXPECT_EQ(l.min, 1u);
}

TEST(Histogram, SummaryOfEmptyHistogram) { EXPECT_EQ(summarize(Histogram{}), reports::Latency{}); }

// A histogram rebuilt from its summary's buckets has the same buckets (and so the same
// percentiles): each upper bound maps to its own bucket.
TEST(Histogram, RebuiltFromBuckets) {
  Histogram h;
  for (uint64_t v : {3u, 300u, 300u, 40000u, 5000000u}) h.record(v);
  Histogram back = histogram_of(summarize(h).histogram);
  EXPECT_EQ(back.buckets(), h.buckets());
  // Percentiles below the top bucket agree; the top one is clamped to the exact max in h only.
  for (double q : {10.0, 50.0, 60.0}) EXPECT_EQ(back.percentile(q), h.percentile(q));
}

// The queue shape clamps percentiles to the exact maximum (a bucket's upper bound may
// overshoot it) and carries the series as given.
TEST(QueueShape, ClampsToExactMaxAndKeepsSeries) {
  Histogram h;
  for (uint64_t v : {1000u, 1000u, 1001u}) h.record(v);
  std::vector<reports::Nullable<uint64_t>> series = {1000u, {}, 1001u};
  reports::Queue q = queue_of(h, 1001, "bytes", 100, series);
  EXPECT_EQ(q.unit, "bytes");
  EXPECT_EQ(q.count, 3u);
  EXPECT_EQ(q.max, 1001u);
  EXPECT_LE(q.p99, 1001u);
  EXPECT_LE(q.p50, q.p99);
  EXPECT_EQ(q.interval_ms, 100u);
  EXPECT_EQ(q.series, series);
  EXPECT_EQ(q.histogram, h.buckets());
}

}  // namespace
}  // namespace pb::core
