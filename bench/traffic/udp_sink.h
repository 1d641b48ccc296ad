// UdpSink: the DUT side of the `kernel-udp` path. One SO_REUSEPORT UDP socket per thread
// reads with recvmmsg and counts each datagram's payload tag with a core::TagCounter
// (delivered or malformed, end-to-end latency, per-flow loss, duplicates, reordering).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/core/sink_threads.h"
#include "bench/core/tag_counter.h"

namespace pb::traffic {

// What the sink listens on and how its readers drain.
struct UdpSinkConfig {
  int netns_fd = -1;           // DUT netns the sockets live in; -1: the caller's netns
  std::string bind_ip;         // IPv4 to bind (empty: any)
  uint16_t port = 0;
  unsigned sockets = 1;        // one socket and thread each; capped at the CPUs we may run on
  int rcvbuf = 0;              // bytes, SO_RCVBUFFORCE; 0: kernel default
  unsigned expected_flows = 0; // flow ids >= this are malformed; 0: any id below kMaxFlows
  unsigned batch = 64;         // datagrams per recvmmsg
  unsigned idle_ms = 200;      // stop(drain): a socket is done after this long without data
  unsigned max_drain_ms = 5000;  // stop(drain) gives up after this long even if data keeps coming
  uint32_t reorder_window = core::kDefaultReorderWindow;  // see FlowTracker
};

// One flow as the sink saw it, summed over sockets.
using UdpFlowRx = core::FlowRx;

// What the sink counted: core::TagTally (delivered, bytes, malformed, flows, latency,
// elapsed_s, set_expected, lost) plus the socket view. `bytes` counts a datagram as the
// generator does, UDP payload + 42; latency runs from tx_ns to the return of recvmmsg.
struct UdpSinkResult : core::TagTally {
  uint64_t truncated = 0;               // longer than the receive buffer (still counted when tagged)
  std::vector<uint64_t> per_socket;     // delivered, per socket
};

// The sockets and their reader threads, from start() to stop(). delivered_now() and
// threads() (the sockets, capped at the usable CPUs) come from core::SinkThreads.
class UdpSink : public core::SinkThreads {
 public:
  // The highest number of flows a sink tracks when expected_flows is 0.
  static constexpr unsigned kMaxFlows = core::kMaxFlows;

  // Validates the config; throws pb::core::UsageError on bad values. Opens nothing yet.
  explicit UdpSink(UdpSinkConfig cfg);
  ~UdpSink();  // stops without draining if still running

  // Starts the threads; returns once every socket is bound (so a generator started next
  // loses nothing to a missing socket). Throws std::system_error if one cannot be set up.
  void start();
  // With `drain`, reads on until each socket was idle for idle_ms, then joins and returns
  // the merged result; without, stops at once. Throws if a thread failed while reading.
  UdpSinkResult stop(bool drain = true);

 private:
  struct Worker;
  void worker_main(Worker& w);

  UdpSinkConfig cfg_;
};

}  // namespace pb::traffic
