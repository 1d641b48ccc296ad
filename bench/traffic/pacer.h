// Pacer: the token bucket of a paced sender, on CLOCK_MONOTONIC with a schedule anchored
// at start() (absolute deadlines, so rounding never accumulates into drift).
#pragma once

#include <cstdint>

namespace pb::traffic {

struct PacerConfig {
  // Rate as the exact fraction rate_pps * share_num / share_den (a thread's share of the
  // run's rate); rate_pps 0 means unpaced: every grant is max_batch.
  uint64_t rate_pps = 0;
  uint64_t share_num = 1;
  uint64_t share_den = 1;
  uint64_t max_batch = 64;            // most frames one grant may carry
  uint64_t batch_ns = 100'000;        // a paced grant carries about this much time's credit
  uint64_t burst_ns = 10'000'000;     // credit older than this is forfeited after a stall
};

class Pacer {
 public:
  explicit Pacer(const PacerConfig& cfg);

  // Anchors the schedule at `now_ns`: pace_batch() tokens are there at once.
  void start(uint64_t now_ns);

  // Frames the sender may send now (<= max_batch), or 0 when fewer than pace_batch()
  // tokens are due yet; then sleep until wake_ns(). Forfeits credit beyond the burst cap.
  uint64_t grant(uint64_t now_ns);

  // The CLOCK_MONOTONIC instant pace_batch() tokens are due.
  uint64_t wake_ns() const;

  // Frames actually sent out of the last grant.
  void consume(uint64_t n) { consumed_ += n; }

  bool paced() const { return num_ != 0; }
  uint64_t pace_batch() const { return pace_batch_; }
  uint64_t forfeited() const { return forfeited_; }  // frames owed but dropped after stalls

  // Sleeps until min(wake_ns(), deadline_ns, now + 10 ms) so a stop flag is seen quickly.
  void sleep(uint64_t now_ns, uint64_t deadline_ns) const;

 private:
  unsigned __int128 num_ = 0;  // frames per ns = num_ / den_
  unsigned __int128 den_ = 1;
  uint64_t max_batch_;
  uint64_t pace_batch_;
  uint64_t burst_cap_ = 0;
  uint64_t anchor_ns_ = 0;
  uint64_t consumed_ = 0;
  uint64_t forfeited_ = 0;
};

}  // namespace pb::traffic
