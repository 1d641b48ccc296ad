// The two ends of a trial: a Generator in the TG netns and a Receiver on the DUT side.
// A path is a receiver (plus the probes that watch it); PacketPath runs the trial loop
// that every path shares: counters, probes, ledger, report records.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/core/histogram.h"
#include "bench/core/path.h"
#include "bench/udp_generator.h"

namespace pb::bench {

// A path this build or host cannot run (no XDP support, no AF_XDP...): the scenario is
// reported "skipped" with this reason, the run goes on.
class PathUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where a generator sends from and to: the TG interface (inside its netns) and the DUT's
// addresses. VethTopology::endpoints() gives them; `pathbench generate` takes them as flags.
struct TrafficEndpoints {
  int tg_netns = -1;  // -1: the caller's netns
  std::string tg_if;
  std::string tg_ip;
  std::string dut_ip;
  std::array<uint8_t, 6> dut_mac{};
  uint16_t dut_port = 9;
  uint16_t tg_port_base = 10000;  // flow i sends from tg_port_base + i
};

// What a generator really sent (UdpGeneratorResult is the shared shape of every generator).
using TxResult = UdpGeneratorResult;

class Generator {
 public:
  virtual ~Generator() = default;
  // Sends for the configured duration (or until `stop`); returns what it really sent.
  virtual TxResult run(std::atomic<bool>& stop) = 0;
};

// A drop the receiver itself can attribute (XDP verdict drops, AF_XDP ring overflow...).
struct AttributedDrop {
  std::string side;    // "dut" | "tg"
  std::string reason;  // e.g. "XDP_DROP", "AF_XDP_RX_RING_FULL"
  std::string where;   // the hook or counter that saw it
  uint64_t count = 0;
};

struct RxResult {
  uint64_t delivered = 0;            // packets that reached the path's delivery point
  core::Histogram latency;           // ns, tx_ns to delivery
  std::vector<uint64_t> per_queue;   // packets per RX queue (or per socket, for socket sinks)
  bool per_queue_is_rx_queue = false;  // per_queue counts RX queues (XDP, AF_XDP, DPDK), not sockets
  std::vector<uint64_t> per_cpu;     // packets per CPU where the receiver saw them (may be empty)
  uint64_t lost = 0, reordered = 0, duplicates = 0, malformed = 0;
  std::vector<AttributedDrop> drops;
  nlohmann::json extra = nlohmann::json::object();  // path-specific trial fields
  // Receiver-side "queues" entries (AF_XDP rings, DPDK RX queues), in the report's queue
  // shape or {"absent": why}; merged with the probe family's.
  nlohmann::json queues = nlohmann::json::object();
};

class Receiver {
 public:
  virtual ~Receiver() = default;
  // Ready to receive when it returns.
  virtual void begin_trial(const core::TrialRequest& req) = 0;
  // Drains and returns what arrived during this trial.
  virtual RxResult end_trial(const TxResult& tx) = 0;
  // Topology facts the receiver settled (xdp_mode, bind mode, ...), merged into "topology".
  virtual nlohmann::json describe() const { return nlohmann::json::object(); }
  // Whether a drop the kernel probes saw (kfree_skb, xdp:* events) is already in the
  // receiver's own numbers, as delivery (generic-mode XDP_DROP frees its skb in
  // do_xdp_generic) or as one of its drops (a full AF_XDP ring is also a failed redirect).
  virtual bool accounts_for(const AttributedDrop& drop) const {
    (void)drop;
    return false;
  }
  // CPUs the receiver busy-polls on (DPDK workers); the generator keeps off them when it can.
  virtual std::vector<int> polling_cpus() const { return {}; }
  // Probes the receiver attached itself: {"active": [names], "unavailable": [{name, reason}]}.
  virtual nlohmann::json probe_status() const {
    return {{"active", nlohmann::json::array()}, {"unavailable", nlohmann::json::array()}};
  }
};

}  // namespace pb::bench
