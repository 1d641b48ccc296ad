// AfxdpSink: the DUT side of the `afxdp` path. Our own XDP program (xsk_redirect.bpf.c)
// redirects each frame by its RX queue into one AF_XDP socket per queue (xsk_socket.h);
// one thread per socket (capped at the usable CPUs) reads the RX ring, counts each frame's
// payload tag with a core::TagCounter (delivered or malformed, end-to-end latency,
// per-flow sequence accounting), and either recycles the frame (rxdrop) or swaps the MACs
// and sends it back out through the TX ring (l2fwd). An XskRingSampler watches ring
// occupancy and XDP_STATISTICS while it runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/core/settings.h"
#include "bench/core/sink_threads.h"
#include "bench/core/tag_counter.h"
#include "xdp/xdp_attach.h"
#include "xdp/xsk_ring_sampler.h"
#include "xdp/xsk_socket.h"

namespace pb::xdp {

// What the sink does with a frame after accounting for it (core/settings.h).
using core::AfxdpMode;

// Where the sink receives, how its sockets and rings are sized, and how it drains.
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

// What the sink counted: core::TagTally (delivered, bytes, malformed, flows, latency,
// elapsed_s, set_expected, lost) plus the socket and program view. `bytes` counts a frame
// by its descriptor length; latency runs from tx_ns to the RX ring peek.
struct AfxdpSinkResult : core::TagTally {
  std::vector<uint64_t> per_queue;            // delivered, by RX queue
  std::vector<AfxdpSocketResult> sockets;     // by RX queue
  uint64_t redirected = 0;                    // program counters over every queue slot,
  uint64_t fallback = 0;                      // including queues without a socket
  XdpMode xdp_mode = XdpMode::kNative;
  uint64_t tx = 0, completed = 0;             // l2fwd, summed over sockets
  AfxdpQueueSamples queues;                   // ring occupancy and XDP_STATISTICS over time

  // Frames the AF_XDP layer dropped after the program redirected them:
  // Σ (rx_dropped + rx_ring_full) over sockets.
  uint64_t xsk_dropped() const;
  // The sink's side of the drop ledger: delivered + malformed + xsk_dropped() + fallback is
  // every frame the program saw.
  uint64_t accounted() const { return delivered + malformed + xsk_dropped() + fallback; }
};

// The program, the sockets and their worker threads, from start() to stop().
// delivered_now() and threads() (the queues, capped at the usable CPUs) come from
// core::SinkThreads.
class AfxdpSink : public core::SinkThreads {
 public:
  static constexpr unsigned kMaxFlows = core::kMaxFlows;

  // Validates the config; throws pb::core::UsageError on bad values. Opens nothing yet.
  explicit AfxdpSink(AfxdpSinkConfig cfg);
  ~AfxdpSink();  // stops without draining if still running; detaches the program

  // Loads the program, creates every umem and socket inside the DUT netns, fills the
  // XSKMAP, attaches the program through a BPF link and starts the threads; returns when
  // frames can be received. Throws std::system_error naming what failed (and undoes it).
  void start();
  // With `drain`, reads on until each thread was idle for idle_ms, then joins, reads the
  // socket and program counters, detaches the program, closes the sockets and returns the
  // merged result; without, stops at once. Throws if a thread failed.
  AfxdpSinkResult stop(bool drain = true);

  const AfxdpSinkConfig& config() const { return cfg_; }

 private:
  struct Queue;
  struct Worker;
  struct Program;
  void open_sockets(int xskmap_fd);
  void worker_main(Worker& w);
  void read_counters(AfxdpSinkResult& res);
  void teardown();

  AfxdpSinkConfig cfg_;
  std::unique_ptr<Program> prog_;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::unique_ptr<XskRingSampler> sampler_;
};

}  // namespace pb::xdp
