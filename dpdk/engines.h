// Forwarding engines in the manner of testpmd's fwd_engine (a small table of callbacks),
// the per-lcore worker that polls its queues with one, and the TSC clock both stamp with.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "bench/core/histogram.h"
#include "bench/core/tag_counter.h"

namespace pb::dpdk {

// CLOCK_MONOTONIC nanoseconds from rte_rdtsc(): the offset and rate are calibrated
// against clock_gettime(CLOCK_MONOTONIC) once, so a TSC read converts with one
// multiply and a shift, and compares with the payload's tx_ns.
class TscClock {
 public:
  // Measures the TSC rate over `window_ns` of CLOCK_MONOTONIC (a few ms suffice for
  // ppm-level agreement over a run).
  static TscClock calibrate(uint64_t window_ns = 50'000'000);
  // CLOCK_MONOTONIC ns at TSC value tsc.
  uint64_t to_ns(uint64_t tsc) const {
    return ns0_ + static_cast<uint64_t>((static_cast<unsigned __int128>(tsc - tsc0_) * mult_) >> kShift);
  }
  // TSC ticks per second as measured.
  uint64_t hz() const { return hz_; }
  // TSC ticks in `ns` nanoseconds.
  uint64_t ticks(uint64_t ns) const { return static_cast<uint64_t>(static_cast<unsigned __int128>(ns) * hz_ / 1'000'000'000u); }

 private:
  static constexpr unsigned kShift = 32;
  uint64_t tsc0_ = 0;
  uint64_t ns0_ = 0;
  uint64_t mult_ = 0;  // ns per tick << kShift
  uint64_t hz_ = 0;
};

// Counters of one rx/tx queue pair, written only by the lcore that polls it.
struct QueueStats {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_dropped = 0;  // sent back out but refused by the tx queue, freed
  uint64_t tagged = 0;      // delivered (core::is_delivered): a latency sample each
  uint64_t untagged = 0;    // malformed: no frame tag (core::parse_frame_tag), wrong magic or flow id
};

// What an engine works on: one queue of one port, its counters and its lcore's tag
// counter (latency; no per-flow tracking, which would cost every packet a tracker update).
struct QueueCtx {
  uint16_t port = 0;
  uint16_t queue = 0;
  uint16_t burst = 32;
  const TscClock* clock = nullptr;
  core::TagCounter* rx = nullptr;
  QueueStats stats;
};

// One forwarding mode: packet_fwd polls ctx's rx queue once (one burst), stamps each
// tagged packet's latency, then frees the burst or sends it back out the same queue.
struct FwdEngine {
  const char* name;
  const char* help;
  void (*packet_fwd)(QueueCtx& ctx);
};

// The engines: rxonly, io, macswap.
std::span<const FwdEngine> fwd_engines();
// The engine called `name`, or nullptr.
const FwdEngine* find_fwd_engine(std::string_view name);

// A snapshot of one worker: per-queue counters, latency and queue-depth samples.
struct WorkerSnapshot {
  std::vector<uint16_t> queues;
  std::vector<QueueStats> stats;
  core::Histogram latency;
  // depth[i]: rte_eth_rx_queue_count samples of queues[i], one per sample interval.
  std::vector<std::vector<uint32_t>> depth;
  int depth_error = 0;  // 0, or the negative errno rte_eth_rx_queue_count gave (-ENOTSUP)
};

// The polling loop of one lcore over its queues. Other threads read it only through
// snapshot(), which the worker republishes every `publish_ns`; after run() returns,
// snapshot() is exact.
class Worker {
 public:
  Worker(uint16_t port, std::vector<uint16_t> queues, uint16_t burst, const TscClock& clock);

  // Polls until `stop` is set or CLOCK_MONOTONIC passes deadline_ns, sampling queue
  // depths every sample_ns; returns when done.
  void run(const FwdEngine& engine, const std::atomic<bool>& stop, uint64_t deadline_ns, uint64_t sample_ns,
           uint64_t publish_ns);
  // The last published state (all of it once run() has returned), with at most the
  // last `depth_tail` depth samples per queue.
  WorkerSnapshot snapshot(size_t depth_tail = SIZE_MAX) const;
  // The queues this worker polls.
  const std::vector<uint16_t>& queues() const { return queues_; }

 private:
  void publish();

  uint16_t port_;
  const TscClock& clock_;
  std::vector<QueueCtx> ctx_;
  std::vector<uint16_t> queues_;
  core::TagCounter rx_{0, core::kDefaultReorderWindow, core::TagCounter::Flows::kIgnore};
  mutable std::mutex mu_;
  WorkerSnapshot published_;
};

}  // namespace pb::dpdk
