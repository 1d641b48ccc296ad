// What a receiver makes of the payload tags that reach it: the one definition of
// delivered, malformed and latency, the per-thread counter every receiver keeps, and the
// tally its threads' counters merge into.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "bench/core/flow_stats.h"
#include "bench/core/histogram.h"
#include "bench/core/payload.h"

namespace pb::core {

// Flow ids a receiver accepts when it is not told how many flows the sender has.
inline constexpr unsigned kMaxFlows = 65536;

// The flow ids a receiver accepts: [0, expected_flows), or [0, kMaxFlows) for 0.
constexpr uint32_t flow_limit(unsigned expected_flows) { return expected_flows > 0 ? expected_flows : kMaxFlows; }

// Delivered: the generator's magic and a flow id below `limit`. Every other arrival,
// including one without a readable tag, is malformed.
inline bool is_delivered(const pb_payload& tag, uint32_t limit) {
  return tag.magic == PB_PAYLOAD_MAGIC && tag.flow < limit;
}

// End-to-end latency of a tag read at now_ns: both ends share this host's
// CLOCK_MONOTONIC, so a tx_ns ahead of now is a foreign sender's tag and counts as 0.
inline uint64_t tag_latency_ns(uint64_t now_ns, uint64_t tx_ns) { return now_ns > tx_ns ? now_ns - tx_ns : 0; }

// Delivered, malformed and byte counts, of a thread or of one batch.
struct TagTotals {
  uint64_t delivered = 0;
  uint64_t malformed = 0;
  uint64_t bytes = 0;  // of the delivered arrivals

  TagTotals& operator+=(const TagTotals& o) {
    delivered += o.delivered;
    malformed += o.malformed;
    bytes += o.bytes;
    return *this;
  }
};

// The running counts of one receiver thread: totals, the latency histogram, per-flow
// sequence accounting and the first and last arrival. One owner, no locking; the
// owner's threads merge into a TagTally once joined.
class TagCounter {
 public:
  // kIgnore: no sequence accounting (for loops where a FlowTracker per packet costs too much).
  enum class Flows { kTrack, kIgnore };

  // Flow ids >= flow_limit(expected_flows) are malformed; expected_flows trackers exist
  // from the start (more grow on demand up to the limit). reorder_window: see FlowTracker.
  explicit TagCounter(unsigned expected_flows = 0, uint32_t reorder_window = kDefaultReorderWindow,
                      Flows flows = Flows::kTrack);

  class Batch;
  // Starts a batch of arrivals read at now_ns (one clock read per batch): it sets the
  // first/last arrival, and the Batch counts each arrival with that time.
  Batch batch(uint64_t now_ns);

  const TagTotals& totals() const { return totals_; }
  const Histogram& latency() const { return latency_; }
  // One tracker per flow id seen (or expected); empty with Flows::kIgnore.
  const std::vector<FlowTracker>& flows() const { return flows_; }
  // CLOCK_MONOTONIC of the first and the last batch; 0 before any.
  uint64_t first_ns() const { return first_ns_; }
  uint64_t last_ns() const { return last_ns_; }

 private:
  void record_flow(uint32_t flow, uint64_t seq);

  uint32_t flow_limit_;
  uint32_t reorder_window_;
  bool track_flows_;
  TagTotals totals_;
  uint64_t first_ns_ = 0;
  uint64_t last_ns_ = 0;
  Histogram latency_;
  std::vector<FlowTracker> flows_;
};

// The arrivals of one batch (one recvmmsg, one ring peek, one rx burst), counted into
// their TagCounter. Its sums stay in registers through a per-packet loop and are added to
// the counter when the Batch goes out of scope.
class TagCounter::Batch {
 public:
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  ~Batch() { counter_.totals_ += got_; }

  // Accounts one arrival: its tag (nullptr when none could be read) and its size as the
  // receiver counts bytes. Returns whether it was delivered.
  bool count(const pb_payload* tag, uint64_t bytes) {
    if (!tag || !is_delivered(*tag, limit_)) {
      ++got_.malformed;
      return false;
    }
    ++got_.delivered;
    got_.bytes += bytes;
    counter_.latency_.record(tag_latency_ns(now_ns_, tag->tx_ns));
    if (track_flows_) counter_.record_flow(tag->flow, tag->seq);
    return true;
  }
  // What this batch counted so far (a socket's or queue's share of the thread's counter).
  const TagTotals& totals() const { return got_; }

 private:
  friend class TagCounter;
  Batch(TagCounter& c, uint64_t now_ns)
      : counter_(c), now_ns_(now_ns), limit_(c.flow_limit_), track_flows_(c.track_flows_) {}

  TagCounter& counter_;
  TagTotals got_;
  const uint64_t now_ns_;
  const uint32_t limit_;
  const bool track_flows_;
};

inline TagCounter::Batch TagCounter::batch(uint64_t now_ns) {
  if (first_ns_ == 0) first_ns_ = now_ns;
  last_ns_ = now_ns;
  return Batch(*this, now_ns);
}

// One flow as a receiver saw it, summed over its threads.
struct FlowRx {
  FlowCounts counts;
  uint64_t lost = 0;  // expected_sent - unique once set_expected() was called; else gaps()
};

// What a receiver reports of the tags it saw, summed over its threads. The sinks' result
// types extend it with what only they know.
struct TagTally {
  uint64_t delivered = 0;   // arrivals with a delivered tag (is_delivered)
  uint64_t bytes = 0;       // bytes of those, as the receiver counts a frame
  uint64_t malformed = 0;   // every other arrival: no readable tag, wrong magic or flow id
  std::vector<FlowRx> flows;  // indexed by flow id
  Histogram latency;          // ns, tx_ns to the receiver's clock read for the batch
  double elapsed_s = 0;       // first to last arrival
  uint64_t first_ns = 0;      // CLOCK_MONOTONIC of the first and last arrival (0: none)
  uint64_t last_ns = 0;

  // Adds one thread's counter (threads see disjoint arrivals); elapsed_s follows, and
  // every flow's lost is reset to its gaps(), so call set_expected() after the last merge.
  void merge(const TagCounter& c);
  // Fills flows[i].lost from what the generator sent per flow (core::TxResult::flow_sent()).
  void set_expected(std::span<const uint64_t> sent_per_flow);
  // Σ lost over flows.
  uint64_t lost() const;
};

}  // namespace pb::core
