// Micro-benchmarks of the latency histogram: the sinks record one value per packet, so
// record() sits on every path's hot loop. Run: build/bench/pathbench-micro
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "bench/core/histogram.h"
#include "bench/core/histogram_buckets.h"

namespace {

std::vector<uint64_t> latencies(size_t n) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> d(10.0, 1.5);  // ~22 µs median, long tail
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = uint64_t(d(rng));
  return v;
}

void BM_BucketIndex(benchmark::State& state) {
  auto v = latencies(4096);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(pb_hist_bucket(v[i++ & 4095]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BucketIndex);

void BM_Record(benchmark::State& state) {
  auto v = latencies(4096);
  pb::core::Histogram h;
  size_t i = 0;
  for (auto _ : state) h.record(v[i++ & 4095]);
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record);

void BM_MergeAndPercentiles(benchmark::State& state) {
  auto v = latencies(100000);
  pb::core::Histogram a, b;
  for (size_t i = 0; i < v.size(); ++i) (i & 1 ? a : b).record(v[i]);
  for (auto _ : state) {
    pb::core::Histogram m = a;
    m.merge(b);
    benchmark::DoNotOptimize(m.percentile(50));
    benchmark::DoNotOptimize(m.percentile(99.9));
  }
}
BENCHMARK(BM_MergeAndPercentiles);

}  // namespace

BENCHMARK_MAIN();
