#include "bench/core/flow_stats.h"

#include <algorithm>
#include <bit>

namespace pb::core {

FlowCounts& FlowCounts::operator+=(const FlowCounts& o) {
  if (o.received > 0) highest_seq = received > 0 ? std::max(highest_seq, o.highest_seq) : o.highest_seq;
  received += o.received;
  unique += o.unique;
  duplicates += o.duplicates;
  reordered += o.reordered;
  beyond_window += o.beyond_window;
  return *this;
}

FlowTracker::FlowTracker(uint32_t window)
    : window_(std::bit_ceil(std::max<uint32_t>(window, 64))), mask_(window_ - 1) {}

void FlowTracker::clear_after_highest(uint64_t n) {
  const uint64_t words = window_ / 64;
  if (n >= window_) {
    std::fill_n(bits_.get(), words, 0);
    return;
  }
  uint64_t seq = counts_.highest_seq + 1;
  // Bit by bit up to a word boundary, then whole words; n is 1 in the common case.
  while (n > 0 && (seq & 63) != 0) {
    bits_[(seq & mask_) >> 6] &= ~(uint64_t(1) << (seq & 63));
    ++seq;
    --n;
  }
  while (n >= 64) {
    bits_[(seq & mask_) >> 6] = 0;
    seq += 64;
    n -= 64;
  }
  if (n > 0) bits_[(seq & mask_) >> 6] &= ~((uint64_t(1) << n) - 1);
}

FlowTracker::Verdict FlowTracker::record(uint64_t seq) {
  FlowCounts& c = counts_;
  if (c.received == 0) {
    bits_ = std::make_unique<uint64_t[]>(window_ / 64);  // zeroed
    set(seq);
    c.received = c.unique = 1;
    c.highest_seq = seq;
    return Verdict::kInOrder;
  }
  ++c.received;
  if (seq > c.highest_seq) {
    clear_after_highest(seq - c.highest_seq);
    c.highest_seq = seq;
    set(seq);
    ++c.unique;
    return Verdict::kInOrder;
  }
  if (c.highest_seq - seq >= window_) {
    ++c.unique;
    ++c.reordered;
    ++c.beyond_window;
    return Verdict::kBeyondWindow;
  }
  if (test(seq)) {
    ++c.duplicates;
    return Verdict::kDuplicate;
  }
  set(seq);
  ++c.unique;
  ++c.reordered;
  return Verdict::kReordered;
}

}  // namespace pb::core
