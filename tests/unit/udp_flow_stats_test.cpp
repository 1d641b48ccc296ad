// FlowTracker / FlowCounts on synthetic sequences: what the kernel-udp sink counts per flow.
#include <gtest/gtest.h>

#include <vector>

#include "bench/core/flow_stats.h"

namespace pb::core {
namespace {

FlowCounts feed(const std::vector<uint64_t>& seqs, uint32_t window = kDefaultReorderWindow) {
  FlowTracker t(window);
  for (uint64_t s : seqs) t.record(s);
  return t.counts();
}

TEST(FlowTracker, EmptyFlowHasNoLossOfItsOwn) {
  FlowTracker t;
  EXPECT_EQ(t.counts().received, 0u);
  EXPECT_EQ(t.counts().gaps(), 0u);
  EXPECT_EQ(t.counts().lost(5), 5u);
}

TEST(FlowTracker, InOrder) {
  std::vector<uint64_t> seqs;
  for (uint64_t i = 0; i < 100000; ++i) seqs.push_back(i);
  FlowCounts c = feed(seqs);
  EXPECT_EQ(c.received, 100000u);
  EXPECT_EQ(c.unique, 100000u);
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.reordered, 0u);
  EXPECT_EQ(c.highest_seq, 99999u);
  EXPECT_EQ(c.gaps(), 0u);
  EXPECT_EQ(c.lost(100000), 0u);
  EXPECT_EQ(c.lost(100010), 10u);  // trailing loss shows only against the sender's count
}

TEST(FlowTracker, Gaps) {
  FlowCounts c = feed({0, 1, 2, 5, 6, 10});
  EXPECT_EQ(c.received, 6u);
  EXPECT_EQ(c.unique, 6u);
  EXPECT_EQ(c.reordered, 0u);
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.highest_seq, 10u);
  EXPECT_EQ(c.gaps(), 5u);  // 3, 4, 7, 8, 9
  EXPECT_EQ(c.lost(12), 6u);
}

TEST(FlowTracker, FirstPacketsLost) {
  FlowCounts c = feed({3, 4});
  EXPECT_EQ(c.gaps(), 3u);
  EXPECT_EQ(c.reordered, 0u);
}

TEST(FlowTracker, Reorder) {
  FlowTracker t;
  EXPECT_EQ(t.record(0), FlowTracker::Verdict::kInOrder);
  EXPECT_EQ(t.record(2), FlowTracker::Verdict::kInOrder);
  EXPECT_EQ(t.record(1), FlowTracker::Verdict::kReordered);
  EXPECT_EQ(t.record(5), FlowTracker::Verdict::kInOrder);
  EXPECT_EQ(t.record(4), FlowTracker::Verdict::kReordered);
  EXPECT_EQ(t.record(3), FlowTracker::Verdict::kReordered);
  const FlowCounts& c = t.counts();
  EXPECT_EQ(c.received, 6u);
  EXPECT_EQ(c.unique, 6u);
  EXPECT_EQ(c.reordered, 3u);
  EXPECT_EQ(c.duplicates, 0u);
  EXPECT_EQ(c.gaps(), 0u);
  EXPECT_EQ(c.lost(6), 0u);
}

TEST(FlowTracker, Duplicates) {
  FlowTracker t;
  EXPECT_EQ(t.record(0), FlowTracker::Verdict::kInOrder);
  EXPECT_EQ(t.record(0), FlowTracker::Verdict::kDuplicate);  // the highest itself
  EXPECT_EQ(t.record(1), FlowTracker::Verdict::kInOrder);
  EXPECT_EQ(t.record(3), FlowTracker::Verdict::kInOrder);
  EXPECT_EQ(t.record(1), FlowTracker::Verdict::kDuplicate);  // behind the highest
  EXPECT_EQ(t.record(2), FlowTracker::Verdict::kReordered);
  EXPECT_EQ(t.record(2), FlowTracker::Verdict::kDuplicate);  // a reordered one, again
  const FlowCounts& c = t.counts();
  EXPECT_EQ(c.received, 7u);
  EXPECT_EQ(c.unique, 4u);
  EXPECT_EQ(c.duplicates, 3u);
  EXPECT_EQ(c.reordered, 1u);
  EXPECT_EQ(c.received, c.unique + c.duplicates);
  EXPECT_EQ(c.lost(4), 0u);
}

TEST(FlowTracker, WindowSlotsAreReusedCleanly) {
  // A window of 64: after the highest moves on by a whole window and more, old bits must
  // not make new sequence numbers look like duplicates.
  FlowTracker t(64);
  EXPECT_EQ(t.window(), 64u);
  for (uint64_t s = 0; s < 64; ++s) t.record(s);
  EXPECT_EQ(t.record(64 + 5), FlowTracker::Verdict::kInOrder);   // slot of seq 5
  EXPECT_EQ(t.record(64 + 3), FlowTracker::Verdict::kReordered);  // slot of seq 3, cleared
  EXPECT_EQ(t.record(64 + 5), FlowTracker::Verdict::kDuplicate);
  EXPECT_EQ(t.record(1000), FlowTracker::Verdict::kInOrder);      // jump beyond the window
  EXPECT_EQ(t.record(1000 - 63), FlowTracker::Verdict::kReordered);
  EXPECT_EQ(t.record(1000 - 64), FlowTracker::Verdict::kBeyondWindow);
  const FlowCounts& c = t.counts();
  EXPECT_EQ(c.duplicates, 1u);
  EXPECT_EQ(c.reordered, 3u);
  EXPECT_EQ(c.beyond_window, 1u);
}

TEST(FlowTracker, LargeJumpsClearPartialWords) {
  // Jumps of every length across word boundaries, then a reordered arrival in each gap.
  FlowTracker t(256);
  uint64_t seq = 0;
  t.record(seq);
  for (uint64_t jump = 2; jump < 200; jump += 7) {
    seq += jump;
    EXPECT_EQ(t.record(seq), FlowTracker::Verdict::kInOrder);
    EXPECT_EQ(t.record(seq - 1), FlowTracker::Verdict::kReordered) << "jump " << jump;
    EXPECT_EQ(t.record(seq - 1), FlowTracker::Verdict::kDuplicate) << "jump " << jump;
  }
  EXPECT_EQ(t.counts().duplicates, t.counts().reordered);
}

TEST(FlowTracker, WindowRoundsUpToPowerOfTwo) {
  EXPECT_EQ(FlowTracker(1).window(), 64u);
  EXPECT_EQ(FlowTracker(100).window(), 128u);
  EXPECT_EQ(FlowTracker(4096).window(), 4096u);
}

TEST(FlowCounts, MergeAddsAndKeepsHighest) {
  FlowCounts a = feed({0, 1, 1, 3});
  FlowCounts b = feed({5, 4});
  FlowCounts none;
  FlowCounts m = none;
  m += a;
  m += b;
  m += none;
  EXPECT_EQ(m.received, 6u);
  EXPECT_EQ(m.unique, 5u);
  EXPECT_EQ(m.duplicates, 1u);
  EXPECT_EQ(m.reordered, 1u);
  EXPECT_EQ(m.highest_seq, 5u);
  EXPECT_EQ(m.gaps(), 1u);  // 2
}

}  // namespace
}  // namespace pb::core
