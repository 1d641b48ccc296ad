// Per-flow sequence accounting for a receiver: counts what arrived, what arrived twice and
// what arrived out of order, from the per-flow `seq` of the payload tag (0, 1, 2, ...).
#pragma once

#include <cstdint>
#include <memory>

namespace pb::core {

// Sequence numbers a FlowTracker remembers behind the highest one seen, by default.
inline constexpr uint32_t kDefaultReorderWindow = 4096;

// The counts of one flow as plain data: what a report shows, what threads merge.
struct FlowCounts {
  uint64_t received = 0;       // every datagram of the flow, duplicates included
  uint64_t unique = 0;         // distinct sequence numbers (received - duplicates)
  uint64_t duplicates = 0;     // a sequence number seen again within the window
  uint64_t reordered = 0;      // lower than the highest seen so far, and not a duplicate
  uint64_t beyond_window = 0;  // older than the window: counted as reordered and unique
  uint64_t highest_seq = 0;    // valid when received > 0

  // Sequence numbers below the highest that never arrived: the loss a receiver can see
  // by itself (flows start at 0); trailing losses are only visible with lost().
  uint64_t gaps() const { return received == 0 || unique > highest_seq ? 0 : highest_seq + 1 - unique; }
  // Loss against what the sender says it sent on this flow (never negative).
  uint64_t lost(uint64_t expected_sent) const { return expected_sent > unique ? expected_sent - unique : 0; }

  // Adds another receiver's counts for the same flow (threads see disjoint datagrams).
  FlowCounts& operator+=(const FlowCounts& o);
};

// Tracks one flow. Duplicates are detected exactly while a copy arrives no more than
// `window` sequence numbers behind the highest seen; an older arrival cannot be told from a
// late first copy and counts as reordered, unique and beyond_window. Memory: window/8 bytes,
// allocated on the first record().
class FlowTracker {
 public:
  enum class Verdict { kInOrder, kReordered, kDuplicate, kBeyondWindow };

  // `window` is rounded up to a power of two, at least 64.
  explicit FlowTracker(uint32_t window = kDefaultReorderWindow);
  FlowTracker(FlowTracker&&) noexcept = default;
  FlowTracker& operator=(FlowTracker&&) noexcept = default;

  // Accounts one arrival of `seq` and says how it was classified.
  Verdict record(uint64_t seq);

  const FlowCounts& counts() const { return counts_; }
  uint32_t window() const { return window_; }

 private:
  bool test(uint64_t seq) const { return bits_[(seq & mask_) >> 6] >> (seq & 63) & 1; }
  void set(uint64_t seq) { bits_[(seq & mask_) >> 6] |= uint64_t(1) << (seq & 63); }
  // Forgets the bits of sequence numbers (highest, highest + n], which now reuse old slots.
  void clear_after_highest(uint64_t n);

  uint32_t window_;
  uint64_t mask_;
  std::unique_ptr<uint64_t[]> bits_;
  FlowCounts counts_;
};

}  // namespace pb::core
