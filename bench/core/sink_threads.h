// SinkThreads: the reader threads of a sink (UdpSink, AfxdpSink) and how they start,
// drain, stop and hand over what they counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/core/drain.h"
#include "bench/core/tag_counter.h"

namespace pb::core {

// What every reader thread of a sink owns: the thread, its counter, the error it ended
// with (set by the thread, read after the join) and a live delivered count for progress.
// Sinks derive their per-thread state from it.
struct SinkReader {
  SinkReader(unsigned i, TagCounter c) : index(i), counter(std::move(c)) {}
  virtual ~SinkReader() = default;

  // Makes the counter's delivered total visible to delivered_now() (a relaxed store).
  void publish() { delivered_live.store(counter.totals().delivered, std::memory_order_relaxed); }

  unsigned index;  // 0..threads()-1, as the drain warning names it
  std::thread thread;
  TagCounter counter;
  std::exception_ptr error;
  std::atomic<uint64_t> delivered_live{0};
};

// The base of a sink: its readers and their DrainRule. A derived sink builds its readers,
// launch()es them, and halt()s them in stop(); its destructor calls stop_now() first, as
// its readers use its members.
class SinkThreads {
 public:
  SinkThreads(const SinkThreads&) = delete;
  SinkThreads& operator=(const SinkThreads&) = delete;

  // Arrivals delivered so far, summed over the readers (for progress; relaxed reads).
  uint64_t delivered_now() const;
  // The number of reader threads the sink runs.
  unsigned threads() const { return nthreads_; }

 protected:
  // `sink` and `reader` name the sink and one reader in logs; times: see DrainRule.
  SinkThreads(std::string sink, std::string reader, unsigned idle_ms, unsigned max_drain_ms);
  ~SinkThreads();  // stop_now()

  // Forgets the previous run's readers and requests, makes threads() new ones with
  // make(index) and starts a thread on body(reader) for each.
  void launch(const std::function<std::unique_ptr<SinkReader>(unsigned index)>& make,
              const std::function<void(SinkReader&)>& body);
  // Asks for a drain (or, without `drain`, an abort), joins every reader, then rethrows
  // the first error one stored, else returns their counters merged.
  TagTally halt(bool drain);
  // Aborts and joins whatever still runs; for destructors and error paths.
  void stop_now() noexcept;
  bool running() const { return running_; }
  // Reader i as the derived sink's type.
  template <typename Reader>
  Reader& reader(size_t i) const {
    return static_cast<Reader&>(*readers_[i]);
  }
  size_t readers() const { return readers_.size(); }

  DrainRule drain_;
  unsigned nthreads_ = 1;  // set by the derived sink's constructor

 private:
  void join_all() noexcept;

  std::vector<std::unique_ptr<SinkReader>> readers_;
  bool running_ = false;
};

}  // namespace pb::core
