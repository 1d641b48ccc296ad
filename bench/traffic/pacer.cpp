#include "bench/traffic/pacer.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>

#include "bench/core/clock.h"
#include "bench/core/errors.h"

namespace pb::traffic {

namespace {
constexpr uint64_t kNsPerSec = 1'000'000'000ull;
constexpr uint64_t kMaxSleepNs = 10'000'000;
}  // namespace

Pacer::Pacer(const PacerConfig& cfg) : max_batch_(std::max<uint64_t>(cfg.max_batch, 1)), pace_batch_(max_batch_) {
  if (cfg.share_den == 0) throw core::UsageError("pacer: share_den must be > 0");
  num_ = (unsigned __int128)cfg.rate_pps * cfg.share_num;
  den_ = (unsigned __int128)cfg.share_den * kNsPerSec;
  if (num_ == 0) return;
  pace_batch_ = std::clamp<uint64_t>(uint64_t(num_ * cfg.batch_ns / den_), 1, max_batch_);
  burst_cap_ = std::max<uint64_t>(2 * max_batch_, uint64_t(num_ * cfg.burst_ns / den_));
  // Timer slack (50 us by default) would make every paced sleep late by that much; the
  // setting is per thread, so a pacer is constructed on the thread that sends.
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

void Pacer::start(uint64_t now_ns) {
  anchor_ns_ = now_ns;
  consumed_ = 0;
  forfeited_ = 0;
}

uint64_t Pacer::grant(uint64_t now_ns) {
  if (num_ == 0) return max_batch_;
  uint64_t elapsed = now_ns > anchor_ns_ ? now_ns - anchor_ns_ : 0;
  uint64_t due = pace_batch_ + uint64_t((unsigned __int128)elapsed * num_ / den_);
  if (due > consumed_ + burst_cap_) {
    forfeited_ += due - burst_cap_ - consumed_;
    consumed_ = due - burst_cap_;
  }
  uint64_t tokens = due - consumed_;
  if (tokens < pace_batch_) return 0;
  return std::min(tokens, max_batch_);
}

uint64_t Pacer::wake_ns() const {
  if (num_ == 0) return anchor_ns_;
  // The instant (t - anchor) * rate >= consumed, i.e. pace_batch tokens are due.
  return anchor_ns_ + uint64_t(((unsigned __int128)consumed_ * den_ + num_ - 1) / num_);
}

void Pacer::sleep(uint64_t now_ns, uint64_t deadline_ns) const {
  core::sleep_until_ns(std::min({wake_ns(), deadline_ns, now_ns + kMaxSleepNs}));
}

}  // namespace pb::traffic
