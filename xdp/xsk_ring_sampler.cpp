#include "xdp/xsk_ring_sampler.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <exception>

#include "bench/core/log.h"

namespace pb::xdp {

namespace {

// Entries published and not yet consumed, as user space sees them (the kernel publishes
// its index per batch). The consumer is read first: the producer read after it is never
// behind it, so the difference is never negative; a consumer that moved in between can
// make it overshoot, hence the clamp to the ring size.
uint32_t ring_fill(const XskRingIndices& r) {
  const uint32_t cons = __atomic_load_n(r.consumer, __ATOMIC_ACQUIRE);
  const uint32_t prod = __atomic_load_n(r.producer, __ATOMIC_ACQUIRE);
  const uint32_t n = prod - cons;
  if (int32_t(n) < 0) return 0;
  return std::min(n, r.size);
}

uint64_t counter_delta(uint64_t now, uint64_t before) { return now >= before ? now - before : 0; }

}  // namespace

XskRingSampler::XskRingSampler(const std::vector<XskSocket*>& sockets, unsigned sample_ms, unsigned interval_ms,
                               unsigned rx_size, unsigned fill_size)
    : sockets_(sockets) {
  out_.sample_ms = sample_ms;
  out_.interval_ms = interval_ms;
  out_.rx_ring.capacity = rx_size;
  out_.fill_ring.capacity = fill_size;
  try {
    for (XskSocket* s : sockets_) {
      rx_.push_back(s->rx_indices());
      fill_.push_back(s->fill_indices());
      last_.push_back(s->statistics());
    }
    thread_ = std::thread([this] { run(); });
  } catch (const std::exception& e) {
    out_.error = e.what();
    PB_WARN("afxdp sink: no ring sampler: {}", e.what());
  }
}

XskRingSampler::~XskRingSampler() { stop(false); }

void XskRingSampler::run() {
  pthread_setname_np(pthread_self(), "pb-afxdp-sample");  // its CPU time shows in top -H
  const auto period = std::chrono::milliseconds(out_.sample_ms);
  const unsigned per_interval = out_.interval_ms / out_.sample_ms;
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(mu_);
  try {
    for (;;) {
      next += period;
      // A late wakeup (a busy CPU) starts the schedule over instead of sampling in a burst.
      if (auto now = std::chrono::steady_clock::now(); now > next + period) next = now + period;
      if (cv_.wait_until(lock, next, [&] { return stop_; })) return;
      sample();
      if (in_interval_ == per_interval) close_interval();
    }
  } catch (const std::exception& e) {
    out_.error = e.what();
    PB_WARN("afxdp sink: ring sampler stopped: {}", e.what());
  }
}

void XskRingSampler::stop(bool last) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (!last || !out_.error.empty()) return;
  try {
    sample();  // the last, partial interval
    close_interval();
  } catch (const std::exception& e) {
    out_.error = e.what();
  }
}

void XskRingSampler::sample() {
  for (size_t i = 0; i < rx_.size(); ++i) {
    const uint32_t r = ring_fill(rx_[i]), f = ring_fill(fill_[i]);
    out_.rx_ring.hist.record(r);
    out_.fill_ring.hist.record(f);
    rx_max_ = std::max(rx_max_, r);
    fill_max_ = std::max(fill_max_, f);
  }
  ++in_interval_;
}

void XskRingSampler::close_interval() {
  out_.rx_ring.series.push_back(rx_max_);
  out_.fill_ring.series.push_back(fill_max_);
  rx_max_ = fill_max_ = 0;
  in_interval_ = 0;
  uint64_t full = 0, dropped = 0, empty = 0;
  for (size_t i = 0; i < sockets_.size(); ++i) {
    const XskStatistics now = sockets_[i]->statistics();
    full += counter_delta(now.rx_ring_full, last_[i].rx_ring_full);
    dropped += counter_delta(now.rx_dropped, last_[i].rx_dropped);
    empty += counter_delta(now.rx_fill_ring_empty_descs, last_[i].rx_fill_ring_empty_descs);
    last_[i] = now;
  }
  out_.rx_ring_full.push_back(full);
  out_.rx_dropped.push_back(dropped);
  out_.rx_fill_ring_empty_descs.push_back(empty);
}

AfxdpQueueSamples XskRingSampler::finish(const std::vector<XskStatistics>& final_stats) {
  stop(false);
  if (out_.error.empty() && !out_.rx_ring_full.empty()) {
    for (size_t i = 0; i < final_stats.size() && i < last_.size(); ++i) {
      out_.rx_ring_full.back() += counter_delta(final_stats[i].rx_ring_full, last_[i].rx_ring_full);
      out_.rx_dropped.back() += counter_delta(final_stats[i].rx_dropped, last_[i].rx_dropped);
      out_.rx_fill_ring_empty_descs.back() +=
          counter_delta(final_stats[i].rx_fill_ring_empty_descs, last_[i].rx_fill_ring_empty_descs);
    }
  }
  return std::move(out_);
}

}  // namespace pb::xdp
