#include "xdp/xdp_receivers.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include "bench/core/clock.h"
#include "bench/core/log.h"

namespace pb::xdp {

namespace {

using namespace std::chrono_literals;

// Frames still in flight when the generator returns (veth rings, cpumap queues) land
// within milliseconds: wait until `count` stops moving for 50 ms (at most 2 s).
template <typename CountFn>
void settle(CountFn count) {
  uint64_t last = count(), deadline = core::mono_ns() + 2'000'000'000ull;
  for (;;) {
    std::this_thread::sleep_for(50ms);
    uint64_t now = count();
    if (now == last || core::mono_ns() > deadline) return;
    last = now;
  }
}

void add_drop(core::RxResult& rx, const char* side, const char* reason, const char* where, uint64_t n) {
  if (n) rx.drops.push_back({side, reason, where, n});
}

reports::XdpVerdicts verdicts_of(const XdpVerdictCounts& c) {
  return {c.packets, c.aborted, c.drop, c.pass, c.tx, c.redirect, c.tagged, c.malformed};
}

std::vector<reports::XdpCell> cells_of(const XdpVerdictReading& r) {
  std::vector<reports::XdpCell> out;
  for (const auto& c : r.per_cpu_queue) out.push_back({c.cpu, c.rx_queue, c.counts.packets});
  return out;
}

std::vector<uint64_t> per_cpu(const XdpVerdictReading& r) {
  std::vector<uint64_t> c;
  for (const auto& cell : r.per_cpu_queue) {
    if (c.size() <= cell.cpu) c.resize(cell.cpu + 1);
    c[cell.cpu] += cell.counts.packets;
  }
  return c;
}

std::vector<uint64_t> per_queue(const XdpVerdictReading& r, unsigned queues) {
  std::vector<uint64_t> q(queues, 0);
  for (const auto& c : r.per_cpu_queue)
    if (c.rx_queue < queues) q[c.rx_queue] += c.counts.packets;
  return q;
}

// A ring's occupancy in the report's queue shape (as kernel_probes/queues_probe.cpp), with
// its capacity and how it was sampled.
reports::QueueResult ring_queue(const AfxdpRingSamples& r, const AfxdpQueueSamples& q, const char* what) {
  if (r.hist.empty()) return reports::Absent{"the sampler took no sample of the AF_XDP rings"};
  // max is exact: every sample was record()ed.
  reports::Queue out = core::queue_of(r.hist, r.hist.max(), "descriptors", q.interval_ms,
                                      {r.series.begin(), r.series.end()});
  out.capacity = r.capacity;
  out.sample_ms = q.sample_ms;
  out.scope = fmt::format("{} of each socket sampled every {} ms (count, p50, p99 over every sample); series: max "
                          "over sockets and samples per {} ms, the last interval partial",
                          what, q.sample_ms, q.interval_ms);
  return out;
}

// An XDP_STATISTICS counter per interval, summed over sockets, in the same shape (the
// percentiles are over intervals) plus its total.
reports::QueueResult counter_queue(const std::vector<uint64_t>& per_interval, const AfxdpQueueSamples& q,
                                   const char* unit, const char* what) {
  if (per_interval.empty()) return reports::Absent{"the sampler closed no interval"};
  core::Histogram h;
  uint64_t total = 0, max = 0;
  for (uint64_t v : per_interval) {
    h.record(v);
    total += v;
    max = std::max(max, v);
  }
  reports::Queue out = core::queue_of(h, max, unit, q.interval_ms, {per_interval.begin(), per_interval.end()});
  out.total = total;
  out.scope = fmt::format("XDP_STATISTICS {} per {} ms interval, summed over sockets; the last interval also holds "
                          "the drain after the load stopped",
                          what, q.interval_ms);
  return out;
}

// The receiver's queue entries for the afxdp path (DESIGN.md "Queue depths").
reports::Queues afxdp_queues(const AfxdpQueueSamples& q) {
  reports::Queues out;
  const char* keys[] = {"afxdp_rx_ring", "afxdp_fill_ring", "afxdp_rx_ring_full", "afxdp_rx_dropped",
                        "afxdp_fill_ring_empty_descs"};
  std::string why;
  if (q.sample_ms == 0) why = "the AF_XDP ring sampler was off";
  else if (!q.error.empty()) why = "AF_XDP ring sampler: " + q.error;
  if (!why.empty()) {
    for (const char* k : keys) out[k] = reports::Absent{why};
    return out;
  }
  out["afxdp_rx_ring"] = ring_queue(q.rx_ring, q, "RX ring fill (descriptors the kernel produced, not yet consumed)");
  // The kernel publishes its fill-ring index lazily (when its cached batch runs out), so
  // what user space sees is an upper bound of what the kernel still holds.
  out["afxdp_fill_ring"] = ring_queue(q.fill_ring, q,
                                      "fill ring fill (buffers given to the kernel that it has not yet released; "
                                      "the kernel releases them lazily, when its cached batch runs out)");
  out["afxdp_rx_ring_full"] =
      counter_queue(q.rx_ring_full, q, "frames per interval", "rx_ring_full (frames dropped: RX ring full)");
  out["afxdp_rx_dropped"] = counter_queue(q.rx_dropped, q, "frames per interval",
                                          "rx_dropped (frames dropped: too large, or no fill buffer)");
  out["afxdp_fill_ring_empty_descs"] = counter_queue(q.rx_fill_ring_empty_descs, q, "events per interval",
                                                     "rx_fill_ring_empty_descs (fill ring found empty)");
  return out;
}

}  // namespace

XdpVerdictReceiver::XdpVerdictReceiver(const core::Topology& topo, XdpVerdict verdict, XdpMode mode, int rcvbuf)
    : topo_(topo), verdict_(verdict), mode_(mode), dut_(XdpVerdictConfig{verdict, topo.redirect_ifindex()}) {
  // Where the path delivers: xdp-tx sends back to the TG, whose veth also needs an XDP
  // program for XDP_TX frames to be taken off the ring (GRO alone stalls after 512);
  // xdp-redirect lands on the redirect pair's peer; xdp-pass ends in the UDP sockets.
  if (verdict == XdpVerdict::kTx) {
    landing_ = std::make_unique<XdpVerdictProgram>(XdpVerdictConfig{XdpVerdict::kDrop});
    landing_->attach(topo.tg_ifindex(), XdpMode::kNative, topo.tg_netns());
  } else if (verdict == XdpVerdict::kRedirect) {
    if (!topo.redirect_ifindex()) throw std::logic_error("xdp-redirect needs the topology's redirect pair");
    landing_ = std::make_unique<XdpVerdictProgram>(XdpVerdictConfig{XdpVerdict::kDrop});
    landing_->attach(topo.redirect_peer_ifindex(), XdpMode::kNative, topo.dut_netns());
  } else if (verdict == XdpVerdict::kPass) {
    sockets_ = std::make_unique<traffic::UdpSocketReceiver>(topo, topo.queues(), rcvbuf);
  }
  dut_.attach(topo.dut_ifindex(), mode, topo.dut_netns());
}

XdpVerdictReceiver::~XdpVerdictReceiver() = default;

void XdpVerdictReceiver::begin_trial(const core::TrialRequest& req) {
  if (sockets_) sockets_->begin_trial(req);
  dut0_ = dut_.read();
  if (landing_) landing0_ = landing_->read();
}

core::RxResult XdpVerdictReceiver::end_trial(const core::TxResult& tx) {
  core::RxResult rx;
  if (sockets_) rx = sockets_->end_trial(tx);
  settle([&] { return (landing_ ? landing_->read() : dut_.read()).total.packets; });
  XdpVerdictReading dut = delta(dut0_, dut_.read());
  unsigned queues = topo_.queues();
  rx.per_queue = per_queue(dut, queues);
  rx.per_queue_is_rx_queue = true;
  rx.per_cpu = per_cpu(dut);
  reports::XdpBlock& block = rx.xdp.emplace();
  block.dut = verdicts_of(dut.total);
  block.per_cpu_queue = cells_of(dut);
  // The verdict program's own aborts are drops wherever the path delivers.
  add_drop(rx, "dut", "XDP_ABORTED", "xdp verdict program", dut.total.aborted);
  switch (verdict_) {
    case XdpVerdict::kDrop:
      rx.delivered = dut.total.drop;
      rx.latency = dut.latency;
      rx.malformed = dut.total.malformed;
      break;
    case XdpVerdict::kPass:
      // The stack's losses (socket buffers...) are attributed by the kfree_skb probe.
      block.dut_latency = core::summarize(dut.latency);
      break;
    case XdpVerdict::kTx:
    case XdpVerdict::kRedirect: {
      XdpVerdictReading land = delta(landing0_, landing_->read());
      rx.delivered = land.total.packets;
      rx.latency = land.latency;
      rx.malformed = land.total.malformed;
      block.landing = verdicts_of(land.total);
      block.dut_latency = core::summarize(dut.latency);
      break;
    }
  }
  return rx;
}

void XdpVerdictReceiver::describe(reports::Topology& into) const {
  into.xdp_mode = std::string(core::name(mode_));
  into.xdp_verdict = to_string(verdict_);
}

std::vector<std::string> XdpVerdictReceiver::own_programs() const {
  return {std::string("xdp_verdict:") + to_string(verdict_)};
}

AfxdpReceiver::AfxdpReceiver(const core::Topology& topo, XdpMode mode, AfxdpMode afxdp_mode, bool busy_poll)
    : topo_(topo), mode_(mode), afxdp_mode_(afxdp_mode), busy_poll_(busy_poll) {
  if (afxdp_mode == AfxdpMode::kL2Fwd) {
    landing_ = std::make_unique<XdpVerdictProgram>(XdpVerdictConfig{XdpVerdict::kDrop});
    landing_->attach(topo.tg_ifindex(), XdpMode::kNative, topo.tg_netns());
  }
}

void AfxdpReceiver::begin_trial(const core::TrialRequest& req) {
  AfxdpSinkConfig cfg;
  cfg.netns_fd = topo_.dut_netns();
  cfg.ifname = topo_.dut_if();
  cfg.queues = topo_.queues();
  cfg.mode = afxdp_mode_;
  cfg.busy_poll = busy_poll_;
  cfg.xdp_mode = mode_;
  cfg.expected_flows = req.flows;
  sink_ = std::make_unique<AfxdpSink>(cfg);
  sink_->start();
  if (landing_) landing0_ = landing_->read();
}

core::RxResult AfxdpReceiver::end_trial(const core::TxResult& tx) {
  AfxdpSinkResult r = sink_->stop(/*drain=*/true);
  sink_.reset();
  core::RxResult rx = core::rx_of_tally(r, tx);
  rx.per_queue = r.per_queue;
  rx.per_queue_is_rx_queue = true;
  reports::AfxdpBlock& block = rx.afxdp.emplace();
  uint64_t rx_dropped = 0, ring_full = 0;
  for (const auto& s : r.sockets) {
    rx_dropped += s.stats.rx_dropped;
    ring_full += s.stats.rx_ring_full;
    block.sockets.push_back({s.queue, to_string(s.bind_mode), s.zerocopy_refused, s.busy_poll, s.delivered,
                             s.stats.rx_dropped, s.stats.rx_ring_full, s.stats.rx_fill_ring_empty_descs,
                             s.stats.rx_invalid_descs, s.stats.tx_ring_empty_descs, s.redirected, s.fallback});
  }
  add_drop(rx, "dut", "AF_XDP_RX_DROPPED", "XDP_STATISTICS rx_dropped", rx_dropped);
  add_drop(rx, "dut", "AF_XDP_RX_RING_FULL", "XDP_STATISTICS rx_ring_full", ring_full);
  add_drop(rx, "dut", "AF_XDP_NO_SOCKET", "xsk_redirect fallback (XDP_DROP)", r.fallback);
  add_drop(rx, "dut", "MALFORMED", "afxdp sink", r.malformed);
  block.redirected = r.redirected;
  block.fallback = r.fallback;
  block.l2fwd_tx = r.tx;
  block.l2fwd_completed = r.completed;
  rx.queues = afxdp_queues(r.queues);
  if (landing_) {
    // l2fwd: what the sockets sent back and the TG received is delivered; frames the
    // sockets took but could not send are lost at the TX ring.
    settle([&] { return landing_->read().total.packets; });
    XdpVerdictReading land = delta(landing0_, landing_->read());
    rx.delivered = land.total.packets;
    rx.latency = land.latency;
    uint64_t tx_dropped = 0;
    for (const auto& s : r.sockets) tx_dropped += s.tx_dropped;
    add_drop(rx, "dut", "AF_XDP_TX_RING_FULL", "afxdp l2fwd tx", tx_dropped);
    block.received = r.delivered;
  }
  if (!r.sockets.empty()) {
    bind_mode_ = to_string(r.sockets.front().bind_mode);
    busy_poll_state_ = r.sockets.front().busy_poll;
  }
  return rx;
}

void AfxdpReceiver::describe(reports::Topology& into) const {
  into.xdp_mode = std::string(core::name(mode_));
  into.afxdp_mode = core::name(afxdp_mode_);
  if (!bind_mode_.empty()) into.afxdp_bind = bind_mode_;
  if (!busy_poll_state_.empty()) into.busy_poll = busy_poll_state_;
}

}  // namespace pb::xdp
