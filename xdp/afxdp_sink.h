// AfxdpSink: the DUT side of the `afxdp` path. Our own XDP program (xsk_redirect.bpf.c)
// redirects each frame by its RX queue into one AF_XDP socket per queue; one thread per
// socket (capped at the usable CPUs) reads the RX ring, checks the payload tag, records
// end-to-end latency and per-flow sequence accounting, and either recycles the frame
// (rxdrop) or swaps the MACs and sends it back out through the TX ring (l2fwd). A sampler
// thread watches ring occupancy and XDP_STATISTICS while it runs (DESIGN.md "Queue depths").
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bench/core/histogram.h"
#include "bench/core/flow_stats.h"
#include "bench/traffic/udp_sink.h"
#include "bench/core/settings.h"
#include "xdp/xdp_attach.h"

namespace pb::xdp {

// What the sink does with a frame after accounting for it (core/settings.h).
using core::AfxdpMode;
// What bind() gave a socket: zero-copy (driver support) or copy.
enum class XskBindMode { kCopy, kZeroCopy };

const char* to_string(XskBindMode m);    // "copy" | "zerocopy"

struct AfxdpSinkConfig {
  int netns_fd = -1;            // DUT netns the link and sockets live in; -1: the caller's
  std::string ifname;           // DUT link
  unsigned queues = 1;          // one socket on each RX queue 0..queues-1
  AfxdpMode mode = AfxdpMode::kRxDrop;
  XdpMode xdp_mode = XdpMode::kNative;  // how xsk_redirect is attached (xdp_attach.h)
  bool try_zerocopy = true;     // bind with XDP_ZEROCOPY first, then fall back to XDP_COPY
  bool need_wakeup = true;      // XDP_USE_NEED_WAKEUP
  bool busy_poll = false;       // SO_PREFER_BUSY_POLL + SO_BUSY_POLL + SO_BUSY_POLL_BUDGET, spin
  unsigned busy_poll_us = 20;
  unsigned busy_poll_budget = 64;
  unsigned frames = 4096;       // umem frames per socket (anonymous mmap, no hugepages)
  unsigned frame_size = 2048;   // a power of two in [2048, 4096] (aligned umem)
  unsigned fill_size = 2048;    // ring sizes: powers of two
  unsigned comp_size = 2048;
  unsigned rx_size = 2048;
  unsigned tx_size = 2048;      // l2fwd only
  unsigned batch = 64;          // descriptors per ring peek
  unsigned expected_flows = 0;  // flow ids >= this are malformed; 0: any id below kMaxFlows
  unsigned idle_ms = 200;       // stop(drain): a thread is done after this long without frames
  unsigned max_drain_ms = 5000; // stop(drain) gives up after this long even if frames keep coming
  uint32_t reorder_window = core::kDefaultReorderWindow;  // see FlowTracker
  // The sampler thread reads every socket's RX and fill ring pointers each sample_ms and
  // XDP_STATISTICS each interval_ms (a multiple of sample_ms); 0: no sampler.
  unsigned sample_ms = 10;
  unsigned interval_ms = 100;
};

// getsockopt(SOL_XDP, XDP_STATISTICS) of one socket (fields as the kernel names them).
struct XskStatistics {
  uint64_t rx_dropped = 0;                // frame too large, or no fill-ring buffer (copy mode)
  uint64_t rx_invalid_descs = 0;          // bad addresses we put on the fill ring
  uint64_t tx_invalid_descs = 0;
  uint64_t rx_ring_full = 0;              // RX ring had no room: the frame was dropped
  uint64_t rx_fill_ring_empty_descs = 0;  // times the fill ring was found empty
  uint64_t tx_ring_empty_descs = 0;
};

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

// One socket (one RX queue) as the sink saw it.
struct AfxdpSocketResult {
  unsigned queue = 0;
  XskBindMode bind_mode = XskBindMode::kCopy;
  std::string zerocopy_refused;  // why XDP_ZEROCOPY failed ("" when not tried or granted)
  std::string busy_poll;         // "off", "on", or "refused: SO_...: <error>"
  uint64_t delivered = 0;        // frames with a valid tag
  uint64_t bytes = 0;            // frame bytes of those (descriptor length, no FCS)
  uint64_t malformed = 0;        // not Ethernet/IPv4/UDP with a whole tag, wrong magic or flow
  uint64_t tx = 0;               // l2fwd: descriptors put on the TX ring
  uint64_t completed = 0;        // l2fwd: descriptors reaped from the completion ring
  uint64_t tx_dropped = 0;       // l2fwd: frames recycled because the TX ring stayed full
  XskStatistics stats;
  uint64_t redirected = 0;       // the XDP program's counters for this queue (summed over CPUs)
  uint64_t fallback = 0;
};

struct AfxdpSinkResult {
  uint64_t delivered = 0;
  uint64_t bytes = 0;
  uint64_t malformed = 0;
  std::vector<traffic::UdpFlowRx> flows;        // indexed by flow id
  std::vector<uint64_t> per_queue;            // delivered, by RX queue
  std::vector<AfxdpSocketResult> sockets;     // by RX queue
  uint64_t redirected = 0;                    // program counters over every queue slot,
  uint64_t fallback = 0;                      // including queues without a socket
  core::Histogram latency;                    // ns, tx_ns to the RX ring peek
  double elapsed_s = 0;                       // first to last frame received
  XdpMode xdp_mode = XdpMode::kNative;
  uint64_t tx = 0, completed = 0;             // l2fwd, summed over sockets
  AfxdpQueueSamples queues;                   // ring occupancy and XDP_STATISTICS over time

  // Frames the AF_XDP layer dropped after the program redirected them:
  // Σ (rx_dropped + rx_ring_full) over sockets.
  uint64_t xsk_dropped() const;
  // The sink's side of the drop ledger: delivered + malformed + xsk_dropped() + fallback is
  // every frame the program saw.
  uint64_t accounted() const { return delivered + malformed + xsk_dropped() + fallback; }
  // Fills flows[i].lost from what the generator sent per flow.
  void set_expected(std::span<const uint64_t> sent_per_flow);
  // Σ lost over flows.
  uint64_t lost() const;
};

class AfxdpSink {
 public:
  static constexpr unsigned kMaxFlows = traffic::UdpSink::kMaxFlows;

  // Validates the config; throws pb::core::UsageError on bad values. Opens nothing yet.
  explicit AfxdpSink(AfxdpSinkConfig cfg);
  AfxdpSink(const AfxdpSink&) = delete;
  AfxdpSink& operator=(const AfxdpSink&) = delete;
  ~AfxdpSink();  // stops without draining if still running; detaches the program

  // Loads the program, creates every umem and socket inside the DUT netns, fills the
  // XSKMAP, attaches the program through a BPF link and starts the threads; returns when
  // frames can be received. Throws std::system_error naming what failed (and undoes it).
  void start();
  // With `drain`, reads on until each thread was idle for idle_ms, then joins, reads the
  // socket and program counters, detaches the program, closes the sockets and returns the
  // merged result; without, stops at once. Throws if a thread failed.
  AfxdpSinkResult stop(bool drain = true);
  // Frames delivered so far, summed over threads (for progress; relaxed reads).
  uint64_t delivered_now() const;

  // The number of threads start() will run (queues capped at the usable CPUs).
  unsigned threads() const { return nthreads_; }
  const AfxdpSinkConfig& config() const { return cfg_; }

 private:
  struct Socket;
  struct Worker;
  struct Program;
  struct Sampler;
  void worker_main(Worker& w);
  void sampler_main();
  // Joins the sampler thread; with `last`, takes a final sample and closes its interval.
  void stop_sampler(bool last);
  void teardown();

  AfxdpSinkConfig cfg_;
  unsigned nthreads_ = 1;
  std::unique_ptr<Program> prog_;
  std::vector<std::unique_ptr<Socket>> sockets_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<Sampler> sampler_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> abort_{false};
  std::atomic<uint64_t> stop_ns_{0};
  bool running_ = false;
};

}  // namespace pb::xdp
