#include "bench/core/sink_threads.h"

#include "bench/core/clock.h"

namespace pb::core {

SinkThreads::SinkThreads(std::string sink, std::string reader, unsigned idle_ms, unsigned max_drain_ms)
    : drain_(std::move(sink), std::move(reader), idle_ms, max_drain_ms) {}

SinkThreads::~SinkThreads() { stop_now(); }

uint64_t SinkThreads::delivered_now() const {
  uint64_t n = 0;
  for (const auto& r : readers_) n += r->delivered_live.load(std::memory_order_relaxed);
  return n;
}

void SinkThreads::launch(const std::function<std::unique_ptr<SinkReader>(unsigned index)>& make,
                         const std::function<void(SinkReader&)>& body) {
  drain_.reset();
  readers_.clear();
  for (unsigned i = 0; i < nthreads_; ++i) readers_.push_back(make(i));
  running_ = true;
  for (auto& r : readers_) r->thread = std::thread([body, rp = r.get()] { body(*rp); });
}

TagTally SinkThreads::halt(bool drain) {
  if (drain)
    drain_.request_stop(mono_ns());
  else
    drain_.abort();
  join_all();
  for (auto& r : readers_)
    if (r->error) std::rethrow_exception(r->error);
  TagTally t;
  for (auto& r : readers_) t.merge(r->counter);
  return t;
}

void SinkThreads::stop_now() noexcept {
  drain_.abort();
  join_all();
}

void SinkThreads::join_all() noexcept {
  for (auto& r : readers_)
    if (r->thread.joinable()) r->thread.join();
  running_ = false;
}

}  // namespace pb::core
