#include "bench/core/histogram.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace pb::core {

static_assert(Histogram::kBuckets == 4480,
              "the bucket scheme is shared with BPF; do not change it");

namespace {

// The value a bucket stands for: its midpoint. The last bucket also holds clamped
// values; its midpoint is taken over the range it has without clamping.
uint64_t representative(uint32_t idx) {
  uint64_t lower = pb_hist_bucket_lower(idx);
  uint64_t upper = idx == Histogram::kBuckets - 1
                       ? (uint64_t{PB_HIST_LINEAR_MAX} << PB_HIST_MAX_SHIFT) - 1
                       : pb_hist_bucket_upper(idx);
  return lower + (upper - lower) / 2;
}

// 1-based nearest rank of the q-th percentile among n values. q * n / 100 is snapped
// to an integer when it is one up to rounding (99.9 is not exact in binary), so that
// ceil() does not step one rank too far.
uint64_t nearest_rank(double q, uint64_t n) {
  long double x = static_cast<long double>(q) * static_cast<long double>(n) / 100.0L;
  long double r = std::round(x);
  if (std::fabs(x - r) <= 1e-9L * std::max(1.0L, x)) x = r;
  auto rank = static_cast<uint64_t>(std::ceil(x));
  return std::clamp<uint64_t>(rank, 1, n);
}

}  // namespace

Histogram::Histogram() : counts_(kBuckets, 0) {}

void Histogram::record(uint64_t v, uint64_t n) {
  if (n == 0) return;
  counts_[pb_hist_bucket(v)] += n;
  count_ += n;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  sum_ += static_cast<long double>(v) * static_cast<long double>(n);
}

void Histogram::add_bucket_counts(const uint64_t* counts, size_t n) {
  if (n > kBuckets)
    throw std::invalid_argument("histogram: " + std::to_string(n) + " bucket counts, at most " +
                                std::to_string(kBuckets));
  for (size_t i = 0; i < n; ++i) {
    uint64_t c = counts[i];
    if (c == 0) continue;
    auto idx = static_cast<uint32_t>(i);
    counts_[i] += c;
    count_ += c;
    min_ = std::min<uint64_t>(min_, pb_hist_bucket_lower(idx));
    max_ = std::max<uint64_t>(max_, pb_hist_bucket_upper(idx));
    sum_ += static_cast<long double>(representative(idx)) * static_cast<long double>(c);
  }
}

void Histogram::merge(const Histogram& other) {
  if (other.empty()) return;
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::mean() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_ / static_cast<long double>(count_));
}

uint64_t Histogram::percentile(double q) const {
  if (!(q >= 0.0 && q <= 100.0))
    throw std::out_of_range("histogram: percentile " + std::to_string(q) + " outside [0, 100]");
  if (count_ == 0) return 0;
  uint64_t rank = nearest_rank(q, count_);
  // The extremes are known exactly; no need to estimate them from a bucket.
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(representative(static_cast<uint32_t>(i)), min_, max_);
  }
  return max_;  // unreachable while count_ equals the sum of counts_
}

std::vector<std::pair<uint64_t, uint64_t>> Histogram::buckets() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t i = 0; i < kBuckets; ++i)
    if (counts_[i] != 0)
      out.emplace_back(pb_hist_bucket_upper(static_cast<uint32_t>(i)), counts_[i]);
  return out;
}

reports::Latency summarize(const Histogram& h) {
  reports::Latency l;
  l.count = h.count();
  l.min = h.min();
  l.mean = h.mean();
  l.p50 = h.percentile(50);
  l.p90 = h.percentile(90);
  l.p99 = h.percentile(99);
  l.p999 = h.percentile(99.9);
  l.max = h.max();
  l.histogram = h.buckets();
  return l;
}

reports::Queue queue_of(const Histogram& h, uint64_t exact_max, const std::string& unit, unsigned interval_ms,
                        std::vector<reports::Nullable<uint64_t>> series) {
  reports::Queue q;
  q.unit = unit;
  q.count = h.count();
  q.max = exact_max;
  q.p50 = std::min(h.percentile(50), exact_max);
  q.p99 = std::min(h.percentile(99), exact_max);
  q.histogram = h.buckets();
  q.interval_ms = interval_ms;
  q.series = std::move(series);
  return q;
}

Histogram histogram_of(const reports::Buckets& buckets) {
  Histogram h;
  for (const auto& [upper, count] : buckets) h.record(upper, count);
  return h;
}

}  // namespace pb::core
