// The two ends of a trial and what they hand each other: a Generator in the TG netns sends
// (TxResult), a Receiver on the DUT side counts what arrived (RxResult). Paths, generators
// and receivers in bench/, xdp/ and dpdk/ implement these; the trial loop drives them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "bench/core/histogram.h"
#include "bench/core/tag_counter.h"
#include "reports/model/path_blocks.h"
#include "reports/model/report.h"

namespace pb::core {

// A path this build or host cannot run (no XDP support, no AF_XDP...): the scenario is
// reported "skipped" with this reason, the run goes on.
class PathUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One trial's load: what the trial loop asks of the generator and tells the receiver.
struct TrialRequest {
  uint64_t offered_pps = 0;  // 0: as fast as the generator goes
  double duration_s = 1.0;
  unsigned frame_size = 66;
  unsigned flows = 1;
  std::atomic<bool>* stop = nullptr;  // set on SIGINT/SIGTERM: end the trial early
  std::vector<int> avoid_cpus;        // CPUs a receiver busy-polls on: generators keep off them
};

// Where a generator sends from and to: the TG interface (inside its netns) and the DUT's
// addresses. A Topology gives them; `pathbench generate` takes them as flags.
struct TrafficEndpoints {
  int tg_netns = -1;  // -1: the caller's netns
  std::string tg_if;
  std::string tg_ip;
  std::string dut_ip;
  std::array<uint8_t, 6> dut_mac{};
  uint16_t dut_port = 9;
  uint16_t tg_port_base = 10000;  // flow i sends from tg_port_base + i
};

// What one flow sent: sequence numbers 0 .. sent-1 went out.
struct FlowTx {
  uint64_t sent = 0;
  uint64_t last_seq = 0;  // valid when sent > 0
};

// What a generator really sent: the shape every generator returns.
struct TxResult {
  uint64_t sent = 0;            // packets the kernel (or the link) accepted
  uint64_t bytes = 0;           // frame bytes of those (no FCS)
  uint64_t send_errors = 0;     // send calls refused (EAGAIN/ENOBUFS/...) or frames the peer refused
  uint64_t partial_batches = 0; // calls that sent fewer packets than asked
  uint64_t forfeited = 0;       // paced: packets the schedule owed but dropped after a stall
  std::vector<FlowTx> flows;    // indexed by flow
  double elapsed_s = 0;         // first send to the end of the last successful one
  double achieved_pps = 0;      // sent / elapsed_s

  // Per-flow sent counts, a receiver's expected count per flow.
  std::vector<uint64_t> flow_sent() const {
    std::vector<uint64_t> v;
    v.reserve(flows.size());
    for (const FlowTx& f : flows) v.push_back(f.sent);
    return v;
  }
};

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

// Drop counts by (side, reason, where), as a trial accumulates them.
using DropKey = std::tuple<std::string, std::string, std::string>;
using DropCounts = std::map<DropKey, uint64_t>;

struct RxResult {
  uint64_t delivered = 0;            // packets that reached the path's delivery point
  Histogram latency;                 // ns, tx_ns to delivery
  std::vector<uint64_t> per_queue;   // packets per RX queue (or per socket, for socket sinks)
  bool per_queue_is_rx_queue = false;  // per_queue counts RX queues (XDP, AF_XDP, DPDK), not sockets
  std::vector<uint64_t> per_cpu;     // packets per CPU where the receiver saw them (may be empty)
  uint64_t lost = 0, reordered = 0, duplicates = 0, malformed = 0;
  std::vector<AttributedDrop> drops;
  // The path's own trial block.
  std::optional<reports::XdpBlock> xdp;
  std::optional<reports::AfxdpBlock> afxdp;
  std::optional<reports::RawJson> dpdk;
  // Receiver-side queue entries (AF_XDP rings, DPDK RX queues), beside the probe family's.
  reports::Queues queues;
};

// What a sink's tally makes of a trial, given what the generator sent per flow (it fills the
// tally's lost counts): delivered, latency, malformed, lost, reordered and duplicates.
inline RxResult rx_of_tally(TagTally& tally, const TxResult& tx) {
  tally.set_expected(tx.flow_sent());
  RxResult rx;
  rx.delivered = tally.delivered;
  rx.latency = std::move(tally.latency);
  rx.malformed = tally.malformed;
  rx.lost = tally.lost();
  for (const FlowRx& f : tally.flows) {
    rx.reordered += f.counts.reordered;
    rx.duplicates += f.counts.duplicates;
  }
  return rx;
}

class Receiver {
 public:
  virtual ~Receiver() = default;
  // Ready to receive when it returns.
  virtual void begin_trial(const TrialRequest& req) = 0;
  // Drains and returns what arrived during this trial.
  virtual RxResult end_trial(const TxResult& tx) = 0;
  // Topology facts the receiver settled (xdp_mode, bind mode, ...), into the report's topology.
  virtual void describe(reports::Topology& into) const { (void)into; }
  // Whether a drop the kernel probes saw (kfree_skb, xdp:* events) is already in the
  // receiver's own numbers, as delivery (generic-mode XDP_DROP frees its skb in
  // do_xdp_generic) or as one of its drops (a full AF_XDP ring is also a failed redirect).
  virtual bool accounts_for(const AttributedDrop& drop) const {
    (void)drop;
    return false;
  }
  // CPUs the receiver busy-polls on (DPDK workers); the generator keeps off them when it can.
  virtual std::vector<int> polling_cpus() const { return {}; }
  // Programs the receiver attached itself ("xdp_verdict:drop"), listed with the probes.
  virtual std::vector<std::string> own_programs() const { return {}; }
};

// Adds a drop the kernel probes saw to `into` unless `receiver` already counts it
// (Receiver::accounts_for); a zero count adds nothing.
inline void add_unless_accounted(DropCounts& into, const Receiver* receiver, const AttributedDrop& drop) {
  if (drop.count && !(receiver && receiver->accounts_for(drop))) into[{drop.side, drop.reason, drop.where}] += drop.count;
}

}  // namespace pb::core
