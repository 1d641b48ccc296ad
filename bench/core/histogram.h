// Histogram: the log-linear latency histogram (buckets from histogram_buckets.h, the
// same scheme the BPF probes fill), with exact count/min/max/mean and percentiles
// within 1% of the true value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/core/histogram_buckets.h"
#include "reports/model/measures.h"

namespace pb::core {

// A dense histogram of uint64_t values (nanoseconds by convention). Copyable, not thread-safe.
class Histogram {
 public:
  static constexpr size_t kBuckets = PB_HIST_NBUCKETS;

  Histogram();

  // Records value v, n times (n == 0 records nothing).
  void record(uint64_t v, uint64_t n = 1);
  // Adds counts[i] to bucket i for i < n, as a BPF array map delivers them (summed over
  // CPUs). min/max/mean then come from bucket bounds. Throws std::invalid_argument if
  // n > kBuckets.
  void add_bucket_counts(const uint64_t* counts, size_t n);
  // Adds everything recorded in other.
  void merge(const Histogram& other);

  // Number of recorded values.
  uint64_t count() const { return count_; }
  // True when nothing was recorded.
  bool empty() const { return count_ == 0; }
  // Smallest recorded value (exact for record(), a bucket's lower bound for merged
  // bucket counts); 0 when empty.
  uint64_t min() const { return count_ ? min_ : 0; }
  // Largest recorded value (exact for record(), a bucket's upper bound for merged
  // bucket counts); 0 when empty.
  uint64_t max() const { return max_; }
  // Arithmetic mean (exact for record(), bucket midpoints for merged counts); 0 when empty.
  double mean() const;
  // The nearest-rank q-th percentile (q in [0, 100]), within 1% of the true value for
  // values below 2^41; 0 when empty. Throws std::out_of_range for q outside [0, 100].
  uint64_t percentile(double q) const;
  // Count in bucket idx (idx < kBuckets).
  uint64_t bucket_count(size_t idx) const { return counts_[idx]; }
  // The non-empty buckets as (inclusive upper bound, count), in increasing order.
  std::vector<std::pair<uint64_t, uint64_t>> buckets() const;

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  // long double keeps sums of 64-bit values exact up to 2^64.
  long double sum_ = 0;
};

// The report's latency summary of h: count, min, mean, p50/p90/p99/p999, max and the
// non-empty buckets.
reports::Latency summarize(const Histogram& h);

// A queue depth in the report's "queues" shape (DESIGN.md): `exact_max` is the true maximum
// when the caller knows it (bucket bounds may overshoot it); the percentiles never exceed
// it. `series` holds one point per interval_ms (empty: nothing seen in that interval).
reports::Queue queue_of(const Histogram& h, uint64_t exact_max, const std::string& unit, unsigned interval_ms,
                        std::vector<reports::Nullable<uint64_t>> series);

// A histogram rebuilt from a summary's buckets: each upper bound maps to its own bucket,
// so the bucket counts come back exactly (min/max/mean from the bucket bounds).
Histogram histogram_of(const reports::Buckets& buckets);

}  // namespace pb::core
