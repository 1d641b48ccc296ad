// CLOCK_MONOTONIC helpers: every timestamp in pathbench (payload tx_ns, BPF
// bpf_ktime_get_ns, sink arrival) is on this clock, so same-host differences are valid.
#pragma once

#include <time.h>

#include <cerrno>

#include <cstdint>

namespace pb::core {

inline uint64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

// Sleeps until the absolute CLOCK_MONOTONIC time `deadline_ns`.
inline void sleep_until_ns(uint64_t deadline_ns) {
  timespec ts{time_t(deadline_ns / 1000000000ull), long(deadline_ns % 1000000000ull)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace pb::core
