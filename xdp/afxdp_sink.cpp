#include "xdp/afxdp_sink.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>

#include "bench/core/clock.h"
#include "bench/core/cpus.h"
#include "bench/core/errors.h"
#include "bench/core/frame.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "xdp/xsk_redirect.h"
#include "xdp/xsk_redirect.skel.h"

namespace pb::xdp {

using core::throw_errno;

namespace {

// How long an idle thread blocks in poll() before it looks at the stop flags again.
constexpr int kPollMs = 10;

bool is_pow2(unsigned v) { return v != 0 && (v & (v - 1)) == 0; }

void swap_macs(uint8_t* p) {
  uint8_t tmp[ETH_ALEN];
  std::memcpy(tmp, p, ETH_ALEN);
  std::memcpy(p, p + ETH_ALEN, ETH_ALEN);
  std::memcpy(p + ETH_ALEN, tmp, ETH_ALEN);
}

}  // namespace


uint64_t AfxdpSinkResult::xsk_dropped() const {
  uint64_t n = 0;
  for (const AfxdpSocketResult& s : sockets) n += s.stats.rx_dropped + s.stats.rx_ring_full;
  return n;
}

// The loaded program and its attachment (a BPF link: detached when closed).
struct AfxdpSink::Program {
  probes::SkelPtr<xsk_redirect_bpf> skel;
  std::optional<XdpAttachment> link;
};

// One RX queue: its socket and what the sink counted on it. Owned by the sink; driven by
// one worker thread, which alone writes `res` until it is joined.
struct AfxdpSink::Queue {
  explicit Queue(const XskSocketConfig& c) : xsk(c) {}

  // Reads one batch (at most `max` descriptors) off the RX ring, counts each frame into
  // the thread's counter and this queue's share, then recycles it (rxdrop) or sends it
  // back out with its MACs swapped (l2fwd). Returns the descriptors taken.
  uint32_t service(core::TagCounter& counter, uint32_t max, bool l2fwd) {
    if (l2fwd && xsk.tx_outstanding()) res.completed += xsk.reap();
    xsk_ring_cons& rx = xsk.rx();
    uint32_t idx = 0;
    const uint32_t n = xsk_ring_cons__peek(&rx, max, &idx);
    if (n == 0) {
      xsk.wake_rx_if_needed();
      if (l2fwd && xsk.tx_outstanding()) xsk.wake_tx();
      xsk.refill();
      return 0;
    }
    core::TagCounter::Batch batch = counter.batch(core::mono_ns());
    uint32_t tx_idx = 0, tx_n = 0;
    if (l2fwd) {
      tx_n = xsk_ring_prod__reserve(&xsk.tx(), n, &tx_idx);
      // xsk_ring_prod__reserve() is all or nothing: tx_n is n or 0.
      if (tx_n < n) {
        xsk.wake_tx();
        res.completed += xsk.reap();
        tx_n = xsk_ring_prod__reserve(&xsk.tx(), n, &tx_idx);
      }
    }
    uint32_t sent = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const xdp_desc* d = xsk_ring_cons__rx_desc(&rx, idx + i);
      const uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
      uint8_t* frame = xsk.frame(addr);
      pb_payload tag;
      batch.count(core::parse_frame_tag_fast(frame, d->len, &tag) ? &tag : nullptr, d->len);
      if (l2fwd && tx_n == n) {
        swap_macs(frame);
        xdp_desc* t = xsk_ring_prod__tx_desc(&xsk.tx(), tx_idx + sent++);
        t->addr = d->addr;
        t->len = d->len;
        t->options = 0;
      } else {
        if (l2fwd) ++res.tx_dropped;
        xsk.recycle(addr);
      }
    }
    xsk_ring_cons__release(&rx, n);
    if (l2fwd && sent > 0) {
      xsk_ring_prod__submit(&xsk.tx(), sent);
      res.tx += sent;
      xsk.sent(sent);
      xsk.wake_tx();
    }
    xsk.refill();
    const core::TagTotals& got = batch.totals();
    res.delivered += got.delivered;
    res.bytes += got.bytes;
    res.malformed += got.malformed;
    return n;
  }

  XskSocket xsk;
  AfxdpSocketResult res;
};

struct AfxdpSink::Worker : core::SinkReader {
  using SinkReader::SinkReader;
  std::vector<Queue*> queues;
};

AfxdpSink::AfxdpSink(AfxdpSinkConfig cfg)
    : SinkThreads("afxdp sink", "thread", cfg.idle_ms, cfg.max_drain_ms), cfg_(std::move(cfg)) {
  if (cfg_.ifname.empty() || cfg_.ifname.size() >= IFNAMSIZ)
    throw core::UsageError(fmt::format("afxdp sink: bad interface name '{}'", cfg_.ifname));
  if (cfg_.queues == 0 || cfg_.queues > PB_XSK_MAX_QUEUES)
    throw core::UsageError(fmt::format("afxdp sink: queues must be in [1, {}]", PB_XSK_MAX_QUEUES));
  if (cfg_.frame_size != 2048 && cfg_.frame_size != 4096)
    throw core::UsageError(fmt::format("afxdp sink: frame_size {} is not 2048 or 4096", cfg_.frame_size));
  for (unsigned r : {cfg_.fill_size, cfg_.comp_size, cfg_.rx_size, cfg_.tx_size})
    if (!is_pow2(r) || r > 65536) throw core::UsageError(fmt::format("afxdp sink: ring size {} is not a power of two <= 65536", r));
  if (cfg_.frames < cfg_.fill_size)
    throw core::UsageError(fmt::format("afxdp sink: {} frames cannot fill a fill ring of {}", cfg_.frames, cfg_.fill_size));
  if (cfg_.batch == 0 || cfg_.batch > cfg_.rx_size)
    throw core::UsageError(fmt::format("afxdp sink: batch must be in [1, rx_size {}]", cfg_.rx_size));
  if (cfg_.expected_flows > kMaxFlows)
    throw core::UsageError(fmt::format("afxdp sink: expected_flows {} above {}", cfg_.expected_flows, kMaxFlows));
  if (cfg_.sample_ms != 0 && (cfg_.interval_ms < cfg_.sample_ms || cfg_.interval_ms % cfg_.sample_ms != 0))
    throw core::UsageError(fmt::format("afxdp sink: interval_ms {} is not a multiple of sample_ms {}", cfg_.interval_ms,
                                       cfg_.sample_ms));
  nthreads_ = std::min(cfg_.queues, unsigned(core::allowed_cpus().size()));
  if (nthreads_ < cfg_.queues)
    PB_INFO("afxdp sink: {} queues, {} CPUs usable: {} threads share the sockets", cfg_.queues, nthreads_, nthreads_);
}

AfxdpSink::~AfxdpSink() {
  sampler_.reset();
  stop_now();
  teardown();
}

void AfxdpSink::teardown() {
  sampler_.reset();  // it reads the sockets
  // The program goes first so no frame is redirected into a socket being closed.
  if (prog_) prog_->link.reset();
  queues_.clear();
  prog_.reset();
}

void AfxdpSink::open_sockets(int xskmap_fd) {
  const bool l2fwd = cfg_.mode == AfxdpMode::kL2Fwd;
  for (unsigned q = 0; q < cfg_.queues; ++q) {
    auto queue = std::make_unique<Queue>(XskSocketConfig{.ifname = cfg_.ifname,
                                                         .queue = q,
                                                         .frames = cfg_.frames,
                                                         .frame_size = cfg_.frame_size,
                                                         .fill_size = cfg_.fill_size,
                                                         .comp_size = cfg_.comp_size,
                                                         .rx_size = cfg_.rx_size,
                                                         .tx_size = l2fwd ? cfg_.tx_size : 0,
                                                         .try_zerocopy = cfg_.try_zerocopy,
                                                         .need_wakeup = cfg_.need_wakeup,
                                                         .busy_poll = cfg_.busy_poll,
                                                         .busy_poll_us = cfg_.busy_poll_us,
                                                         .busy_poll_budget = cfg_.busy_poll_budget});
    const XskSocket& s = queue->xsk;
    queue->res.queue = q;
    queue->res.bind_mode = s.bind_mode();
    queue->res.zerocopy_refused = s.zerocopy_refused();
    queue->res.busy_poll = s.busy_poll();
    if (cfg_.busy_poll && s.busy_poll() != "on")
      PB_WARN("afxdp sink: busy poll on {} queue {}: {}", cfg_.ifname, q, s.busy_poll());
    s.add_to_xskmap(xskmap_fd);
    PB_DEBUG("afxdp sink: {} queue {}: {} mode{}", cfg_.ifname, q, to_string(s.bind_mode()),
             s.zerocopy_refused().empty() ? "" : " (zerocopy: " + s.zerocopy_refused() + ")");
    queues_.push_back(std::move(queue));
  }
}

void AfxdpSink::start() {
  if (running()) throw std::logic_error("afxdp sink: already started");
  probes::route_libbpf_logs();
  try {
    prog_ = std::make_unique<Program>();
    prog_->skel.reset(xsk_redirect_bpf__open_and_load());
    if (!prog_->skel) throw_errno("afxdp sink: load BPF object xsk_redirect");

    core::NetnsGuard in_ns(cfg_.netns_fd);
    const int ifindex = int(if_nametoindex(cfg_.ifname.c_str()));
    if (ifindex == 0) throw_errno(fmt::format("afxdp sink: no link {} in the DUT netns", cfg_.ifname));
    open_sockets(bpf_map__fd(prog_->skel->maps.xsks));
    // Attached last, with every socket in the map: no frame falls back for want of one.
    prog_->link.emplace(XdpAttachment::attach(bpf_program__fd(prog_->skel->progs.xsk_redirect), ifindex, cfg_.xdp_mode));
  } catch (...) {
    teardown();
    throw;
  }

  launch(
      [this](unsigned i) {
        auto w = std::make_unique<Worker>(i, core::TagCounter(cfg_.expected_flows, cfg_.reorder_window));
        for (unsigned q = i; q < cfg_.queues; q += nthreads_) w->queues.push_back(queues_[q].get());
        return w;
      },
      [this](core::SinkReader& w) { worker_main(static_cast<Worker&>(w)); });

  if (cfg_.sample_ms != 0) {
    std::vector<XskSocket*> sockets;
    for (auto& q : queues_) sockets.push_back(&q->xsk);
    sampler_ = std::make_unique<XskRingSampler>(sockets, cfg_.sample_ms, cfg_.interval_ms, cfg_.rx_size, cfg_.fill_size);
  }
}

void AfxdpSink::worker_main(Worker& w) {
  try {
    // The sockets work from any netns; entering the DUT's keeps the busy-poll and wakeup
    // syscalls of this thread where the device is, as a reader would run in production.
    core::NetnsGuard in_ns(cfg_.netns_fd);

    const bool l2fwd = cfg_.mode == AfxdpMode::kL2Fwd;
    std::vector<pollfd> pfds;
    for (Queue* q : w.queues) pfds.push_back({q->xsk.fd(), POLLIN, 0});
    for (;;) {
      if (drain_.aborted()) break;
      uint32_t got = 0;
      for (Queue* q : w.queues) got += q->service(w.counter, cfg_.batch, l2fwd);
      if (got) w.publish();
      if (drain_.done(core::mono_ns(), w.counter.last_ns(), got > 0, w.index)) break;
      if (got) continue;
      if (cfg_.busy_poll) {
        // Busy polling: the syscall runs the device's NAPI loop on this CPU.
        for (Queue* q : w.queues) q->xsk.wake_rx();
        continue;
      }
      bool tx_pending = false;
      for (Queue* q : w.queues) tx_pending |= q->xsk.tx_outstanding() > 0;
      for (pollfd& p : pfds) p.revents = 0;
      // l2fwd with frames in flight: come back soon to kick the TX ring and reap completions.
      if (poll(pfds.data(), pfds.size(), tx_pending ? 1 : kPollMs) < 0 && errno != EINTR) throw_errno("afxdp sink: poll");
    }
    if (l2fwd)
      for (Queue* q : w.queues) q->res.completed += q->xsk.reap();
  } catch (...) {
    w.error = std::current_exception();
  }
}

void AfxdpSink::read_counters(AfxdpSinkResult& res) {
  res.xdp_mode = cfg_.xdp_mode;
  // Detach first so the program's counters and the socket statistics are final and agree.
  prog_->link.reset();
  const int counts_fd = bpf_map__fd(prog_->skel->maps.counts);
  std::vector<pb_xsk_counts> per_queue(PB_XSK_MAX_QUEUES, pb_xsk_counts{});
  for (uint32_t q = 0; q < PB_XSK_MAX_QUEUES; ++q) {
    for (const pb_xsk_counts& c : probes::read_percpu<pb_xsk_counts>(counts_fd, q, "xsk_redirect counters")) {
      per_queue[q].redirected += c.redirected;
      per_queue[q].fallback += c.fallback;
    }
    res.redirected += per_queue[q].redirected;
    res.fallback += per_queue[q].fallback;
  }
  for (auto& q : queues_) {
    AfxdpSocketResult& s = q->res;
    s.stats = q->xsk.statistics();
    s.redirected = per_queue[s.queue].redirected;
    s.fallback = per_queue[s.queue].fallback;
    res.tx += s.tx;
    res.completed += s.completed;
    res.per_queue.push_back(s.delivered);
    res.sockets.push_back(s);
  }
}

AfxdpSinkResult AfxdpSink::stop(bool drain) {
  if (!running()) throw std::logic_error("afxdp sink: not started");
  // The trial's load is over: the queue view ends here, not after the drain.
  if (sampler_) sampler_->stop(drain);
  AfxdpSinkResult res;
  try {
    static_cast<core::TagTally&>(res) = halt(drain);
    read_counters(res);
  } catch (...) {
    teardown();
    throw;
  }
  if (sampler_) {
    std::vector<XskStatistics> final_stats;
    for (const AfxdpSocketResult& s : res.sockets) final_stats.push_back(s.stats);
    res.queues = sampler_->finish(final_stats);
  }
  teardown();
  return res;
}

}  // namespace pb::xdp
