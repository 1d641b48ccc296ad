// XskRingSampler: a thread that watches a set of AF_XDP sockets while they receive: the
// occupancy of their RX and fill rings every sample_ms, their XDP_STATISTICS every
// interval_ms (DESIGN.md "Queue depths"). It only loads ring indices from shared memory
// and calls getsockopt once per interval, so the workers do no extra work per frame.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/core/histogram.h"
#include "xdp/xsk_socket.h"

namespace pb::xdp {

// Occupancy of one kind of ring (RX or fill) over every socket, as the sampler saw it.
struct AfxdpRingSamples {
  uint32_t capacity = 0;         // ring size in descriptors
  core::Histogram hist;          // one value per socket per sample (exact max)
  std::vector<uint64_t> series;  // per interval: the max over sockets and samples
};

// What the sampler thread recorded during a run of the sink. The series cover start() to
// stop(); the last interval is partial, and its XDP_STATISTICS deltas also hold what came
// during the drain, so each counter series sums to the sockets' final statistics.
struct AfxdpQueueSamples {
  unsigned sample_ms = 0;    // 0: the sampler did not run
  unsigned interval_ms = 0;
  AfxdpRingSamples rx_ring;    // descriptors the kernel produced, not yet consumed by us
  AfxdpRingSamples fill_ring;  // buffers we gave the kernel, not yet taken by it
  // XDP_STATISTICS deltas per interval, summed over sockets.
  std::vector<uint64_t> rx_ring_full, rx_dropped, rx_fill_ring_empty_descs;
  std::string error;  // why the sampler stopped early ("" when it ran to the end)
};

// The sampler of one run. The sockets must outlive it.
class XskRingSampler {
 public:
  // Reads every socket's statistics and starts the thread. When that fails the sink
  // still works without its queue view: the error goes into the samples, logged once.
  // interval_ms is a multiple of sample_ms > 0; rx_size/fill_size are the ring capacities.
  XskRingSampler(const std::vector<XskSocket*>& sockets, unsigned sample_ms, unsigned interval_ms, unsigned rx_size,
                 unsigned fill_size);
  XskRingSampler(const XskRingSampler&) = delete;
  XskRingSampler& operator=(const XskRingSampler&) = delete;
  ~XskRingSampler();  // stops the thread

  // Stops and joins the thread; with `last`, takes a final sample and closes the partial
  // interval. Idempotent.
  void stop(bool last);
  // The samples, with what the counters moved after the last interval (the drain, up to
  // each socket's final statistics, same order as the sockets) added to that interval.
  AfxdpQueueSamples finish(const std::vector<XskStatistics>& final_stats);

 private:
  void run();
  void sample();
  void close_interval();

  std::vector<XskSocket*> sockets_;
  std::vector<XskRingIndices> rx_, fill_;  // per socket
  std::vector<XskStatistics> last_;        // per socket, at the end of the last closed interval
  uint32_t rx_max_ = 0, fill_max_ = 0;     // of the open interval
  unsigned in_interval_ = 0;               // samples taken in the open interval
  AfxdpQueueSamples out_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace pb::xdp
