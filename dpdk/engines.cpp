#include "dpdk/engines.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "bench/core/clock.h"
#include "bench/core/frame.h"

namespace pb::dpdk {

namespace {

constexpr uint16_t kMaxBurst = 256;
// Queue depth series stop growing here (~3 h at 10 ms); the JSON stays bounded.
constexpr size_t kMaxDepthSamples = 1u << 20;

// Counts and stamps a received burst. The TSC is read once per burst: every packet
// of it left the ring at about the same time, and it keeps the per-packet cost to
// the tag loads.
inline void account_rx(QueueCtx& c, rte_mbuf* const* pkts, uint16_t n) {
  // The tag ends at byte 65: with the usual 64-byte-aligned data start, its tx_ns
  // straddles into the frame's second cache line. Fetch both for the whole burst first.
  for (uint16_t i = 0; i < n; ++i) {
    rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
    rte_prefetch0(rte_pktmbuf_mtod_offset(pkts[i], void*, core::kMinFrameSize - 1));
  }
  core::TagCounter::Batch batch = c.rx->batch(c.clock->to_ns(rte_rdtsc()));
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    const rte_mbuf* m = pkts[i];
    bytes += m->pkt_len;
    pb_payload tag;
    batch.count(core::parse_frame_tag_fast(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, &tag) ? &tag : nullptr,
                m->pkt_len);
  }
  c.stats.rx_packets += n;
  c.stats.rx_bytes += bytes;
  c.stats.tagged += batch.totals().delivered;
  c.stats.untagged += batch.totals().malformed;
}

inline void send_back(QueueCtx& c, rte_mbuf** pkts, uint16_t n) {
  uint16_t sent = rte_eth_tx_burst(c.port, c.queue, pkts, n);
  c.stats.tx_packets += sent;
  if (sent < n) {
    c.stats.tx_dropped += n - sent;
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
  }
}

void rxonly_fwd(QueueCtx& c) {
  std::array<rte_mbuf*, kMaxBurst> pkts;
  uint16_t n = rte_eth_rx_burst(c.port, c.queue, pkts.data(), c.burst);
  if (n == 0) return;
  account_rx(c, pkts.data(), n);
  rte_pktmbuf_free_bulk(pkts.data(), n);
}

void io_fwd(QueueCtx& c) {
  std::array<rte_mbuf*, kMaxBurst> pkts;
  uint16_t n = rte_eth_rx_burst(c.port, c.queue, pkts.data(), c.burst);
  if (n == 0) return;
  account_rx(c, pkts.data(), n);
  send_back(c, pkts.data(), n);
}

void macswap_fwd(QueueCtx& c) {
  std::array<rte_mbuf*, kMaxBurst> pkts;
  uint16_t n = rte_eth_rx_burst(c.port, c.queue, pkts.data(), c.burst);
  if (n == 0) return;
  account_rx(c, pkts.data(), n);
  for (uint16_t i = 0; i < n; ++i) {
    if (pkts[i]->data_len < sizeof(rte_ether_hdr)) continue;
    auto* eth = rte_pktmbuf_mtod(pkts[i], rte_ether_hdr*);
    rte_ether_addr tmp = eth->dst_addr;
    eth->dst_addr = eth->src_addr;
    eth->src_addr = tmp;
  }
  send_back(c, pkts.data(), n);
}

constexpr std::array<FwdEngine, 3> kEngines{{
    {"rxonly", "receive, stamp latency, free", rxonly_fwd},
    {"io", "receive, stamp latency, send back out the same queue unchanged", io_fwd},
    {"macswap", "receive, stamp latency, swap Ethernet source and destination, send back out", macswap_fwd},
}};

}  // namespace

std::span<const FwdEngine> fwd_engines() { return kEngines; }

const FwdEngine* find_fwd_engine(std::string_view name) {
  for (const auto& e : kEngines)
    if (name == e.name) return &e;
  return nullptr;
}

TscClock TscClock::calibrate(uint64_t window_ns) {
  TscClock c;
  // A (TSC, CLOCK_MONOTONIC) pair: the clock read bracketed by two TSC reads, the
  // tightest of several. The first clock_gettime calls fault in the vDSO data and
  // cost microseconds; an untight pair would offset every latency by that much.
  auto pair = [](uint64_t& tsc, uint64_t& ns) {
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 32; ++i) {
      uint64_t a = rte_rdtsc_precise();
      uint64_t n = core::mono_ns();
      uint64_t b = rte_rdtsc_precise();
      if (b - a < best) {
        best = b - a;
        tsc = a + (b - a) / 2;
        ns = n;
      }
    }
  };
  uint64_t t1 = 0, n1 = 0;
  pair(c.tsc0_, c.ns0_);
  core::sleep_until_ns(c.ns0_ + window_ns);
  pair(t1, n1);
  uint64_t dt = t1 - c.tsc0_, dn = n1 - c.ns0_;
  c.mult_ = static_cast<uint64_t>((static_cast<unsigned __int128>(dn) << kShift) / dt);
  c.hz_ = static_cast<uint64_t>(static_cast<unsigned __int128>(dt) * 1'000'000'000u / dn);
  // Re-anchor on the later pair: the offset is then fresh when the run starts.
  c.tsc0_ = t1;
  c.ns0_ = n1;
  return c;
}

Worker::Worker(uint16_t port, std::vector<uint16_t> queues, uint16_t burst, const TscClock& clock)
    : port_(port), clock_(clock), queues_(queues) {
  if (burst == 0 || burst > kMaxBurst) burst = 32;
  for (uint16_t q : queues) {
    QueueCtx c;
    c.port = port;
    c.queue = q;
    c.burst = burst;
    c.clock = &clock_;
    c.rx = &rx_;
    ctx_.push_back(c);
  }
  published_.queues = std::move(queues);
  published_.stats.resize(ctx_.size());
  published_.depth.resize(ctx_.size());
}

void Worker::run(const FwdEngine& engine, const std::atomic<bool>& stop, uint64_t deadline_ns, uint64_t sample_ns,
                 uint64_t publish_ns) {
  uint64_t start_tsc = rte_rdtsc();
  uint64_t start_ns = clock_.to_ns(start_tsc);
  uint64_t deadline_tsc = deadline_ns == 0 ? UINT64_MAX
                          : deadline_ns <= start_ns ? start_tsc
                                                    : start_tsc + clock_.ticks(deadline_ns - start_ns);
  uint64_t sample_ticks = clock_.ticks(sample_ns);
  uint64_t next_sample = start_tsc + sample_ticks;
  uint64_t publish_every = sample_ns ? std::max<uint64_t>(1, publish_ns / sample_ns) : 1;
  uint64_t ticks = 0;
  bool sampling = true;
  while (!stop.load(std::memory_order_relaxed)) {
    for (auto& c : ctx_) engine.packet_fwd(c);
    uint64_t now = rte_rdtsc();
    if (now < next_sample) continue;
    next_sample = now + sample_ticks;
    if (now >= deadline_tsc) break;
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < ctx_.size(); ++i) {
      published_.stats[i] = ctx_[i].stats;
      if (!sampling) continue;
      int depth = rte_eth_rx_queue_count(port_, ctx_[i].queue);
      if (depth < 0) {
        published_.depth_error = depth;
        sampling = false;
      } else if (published_.depth[i].size() < kMaxDepthSamples) {
        published_.depth[i].push_back(static_cast<uint32_t>(depth));
      }
    }
    if (++ticks % publish_every == 0) published_.latency = rx_.latency();
  }
  publish();
}

void Worker::publish() {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < ctx_.size(); ++i) published_.stats[i] = ctx_[i].stats;
  published_.latency = rx_.latency();
}

WorkerSnapshot Worker::snapshot(size_t depth_tail) const {
  std::lock_guard lock(mu_);
  WorkerSnapshot s;
  s.queues = published_.queues;
  s.stats = published_.stats;
  s.latency = published_.latency;
  s.depth_error = published_.depth_error;
  for (const auto& series : published_.depth) {
    size_t skip = series.size() > depth_tail ? series.size() - depth_tail : 0;
    s.depth.emplace_back(series.begin() + static_cast<ptrdiff_t>(skip), series.end());
  }
  return s;
}

}  // namespace pb::dpdk
