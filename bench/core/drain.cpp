#include "bench/core/drain.h"

#include <algorithm>

#include "bench/core/log.h"

namespace pb::core {

DrainRule::DrainRule(std::string sink, std::string reader, unsigned idle_ms, unsigned max_drain_ms)
    : sink_(std::move(sink)),
      reader_(std::move(reader)),
      idle_ns_(uint64_t(idle_ms) * 1'000'000),
      max_drain_ns_(uint64_t(max_drain_ms) * 1'000'000) {}

void DrainRule::reset() {
  stop_.store(false);
  abort_.store(false);
  warned_.store(false);
}

void DrainRule::request_stop(uint64_t now_ns) {
  stop_ns_.store(now_ns, std::memory_order_relaxed);
  stop_.store(true, std::memory_order_release);
}

bool DrainRule::done(uint64_t now_ns, uint64_t last_arrival_ns, bool receiving, unsigned reader) const {
  if (aborted()) return true;
  if (!stop_.load(std::memory_order_acquire)) return false;
  const uint64_t stop_ns = stop_ns_.load(std::memory_order_relaxed);
  if (!receiving && now_ns >= std::max(stop_ns, last_arrival_ns) + idle_ns_) return true;
  if (now_ns < stop_ns + max_drain_ns_) return false;
  if (receiving && !warned_.exchange(true))
    PB_WARN("{}: {} {} still receiving {} ms after stop; giving up the drain", sink_, reader_, reader,
            max_drain_ns_ / 1'000'000);
  return true;
}

}  // namespace pb::core
