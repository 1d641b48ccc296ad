// Micro-benchmarks of what every receiver does per frame: the frame-tag rule and
// TagCounter::Batch::count, with and without per-flow tracking (the DPDK engines run
// without). One iteration is a burst of 32 tagged IHL-5 frames of one flow.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/core/frame.h"
#include "bench/core/tag_counter.h"

namespace {

using namespace pb;

std::vector<std::vector<uint8_t>> burst() {
  core::FrameSpec spec;
  std::vector<std::vector<uint8_t>> frames;
  for (uint64_t seq = 0; seq < 32; ++seq) {
    frames.push_back(core::build_udp_frame(spec, 0));
    core::stamp_frame(frames.back().data(), spec.src_port_base, 0, seq, 1000);
  }
  return frames;
}

void count_bursts(benchmark::State& state, core::TagCounter::Flows flows) {
  const auto frames = burst();
  core::TagCounter counter(0, core::kDefaultReorderWindow, flows);
  uint64_t now = 5000;
  for (auto _ : state) {
    core::TagCounter::Batch batch = counter.batch(now++);
    for (const auto& f : frames) {
      pb_payload tag;
      batch.count(core::parse_frame_tag_fast(f.data(), f.size(), &tag) ? &tag : nullptr, f.size());
    }
    // A copy: handing the batch's own address out would keep its sums out of registers.
    core::TagTotals totals = batch.totals();
    benchmark::DoNotOptimize(totals);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(frames.size()));
}

void BM_CountBurst(benchmark::State& state) { count_bursts(state, core::TagCounter::Flows::kIgnore); }
BENCHMARK(BM_CountBurst);

void BM_CountBurstWithFlows(benchmark::State& state) { count_bursts(state, core::TagCounter::Flows::kTrack); }
BENCHMARK(BM_CountBurstWithFlows);

}  // namespace
