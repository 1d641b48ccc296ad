// DrainRule: how a sink's reader threads decide they are done once asked to stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace pb::core {

// Stop and abort requests from the thread that owns a sink, and each reader's verdict on
// whether it is done. A drain lets a reader read on until a poll finds nothing idle_ms
// after the later of its last arrival and the stop request; it gives up max_drain_ms
// after the request even if data keeps coming, and says so once per run.
class DrainRule {
 public:
  // `sink` and `reader` name the sink and one of its readers in the warning ("udp sink",
  // "socket"). Times in ms.
  DrainRule(std::string sink, std::string reader, unsigned idle_ms, unsigned max_drain_ms);

  // Forgets the requests of a previous run; call before the readers start.
  void reset();
  // Asks the readers to drain, from now_ns (CLOCK_MONOTONIC).
  void request_stop(uint64_t now_ns);
  // Asks the readers to stop at once.
  void abort() { abort_.store(true, std::memory_order_relaxed); }
  bool aborted() const { return abort_.load(std::memory_order_relaxed); }

  // Whether reader number `reader` is done at now_ns, given its last arrival (0: none)
  // and whether its last poll got anything. False until a request; true once aborted.
  bool done(uint64_t now_ns, uint64_t last_arrival_ns, bool receiving, unsigned reader) const;

 private:
  std::string sink_;
  std::string reader_;
  uint64_t idle_ns_;
  uint64_t max_drain_ns_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> abort_{false};
  std::atomic<uint64_t> stop_ns_{0};
  mutable std::atomic<bool> warned_{false};
};

}  // namespace pb::core
