// DrainRule on explicit timestamps (no clock, no threads), and join_and_merge over reader
// threads that finish or fail.
#include "bench/core/drain.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace pb::core {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kStop = 1'000 * kMs;  // when the stop is requested

TEST(DrainRule, NotDoneBeforeARequest) {
  DrainRule d("test sink", "reader", 200, 5000);
  EXPECT_FALSE(d.aborted());
  EXPECT_FALSE(d.done(kStop * 100, 0, false, 0));
}

TEST(DrainRule, IdleAfterTheStopRequest) {
  DrainRule d("test sink", "reader", 200, 5000);
  d.request_stop(kStop);
  // Last arrival before the stop: idle counts from the request.
  EXPECT_FALSE(d.done(kStop + 199 * kMs, kStop - 50 * kMs, false, 0));
  EXPECT_TRUE(d.done(kStop + 200 * kMs, kStop - 50 * kMs, false, 0));
  // Nothing ever arrived: the same.
  EXPECT_TRUE(d.done(kStop + 200 * kMs, 0, false, 0));
}

TEST(DrainRule, IdleAfterTheLastArrival) {
  DrainRule d("test sink", "reader", 200, 5000);
  d.request_stop(kStop);
  const uint64_t last = kStop + 1'000 * kMs;  // still draining a second after the stop
  EXPECT_FALSE(d.done(last + 199 * kMs, last, false, 0));
  EXPECT_TRUE(d.done(last + 200 * kMs, last, false, 0));
}

TEST(DrainRule, ReceivingIsNeverIdle) {
  DrainRule d("test sink", "reader", 0, 5000);  // even with idle_ms 0
  d.request_stop(kStop);
  EXPECT_FALSE(d.done(kStop + 10 * kMs, kStop + 10 * kMs, true, 0));
  EXPECT_TRUE(d.done(kStop + 10 * kMs, kStop + 10 * kMs, false, 0));
}

TEST(DrainRule, GivesUpAfterMaxDrainAndWarnsOnce) {
  DrainRule d("test sink", "reader", 200, 5000);
  d.request_stop(kStop);
  testing::internal::CaptureStderr();
  EXPECT_FALSE(d.done(kStop + 4'999 * kMs, kStop + 4'999 * kMs, true, 0));
  EXPECT_TRUE(d.done(kStop + 5'000 * kMs, kStop + 5'000 * kMs, true, 1));
  EXPECT_TRUE(d.done(kStop + 5'001 * kMs, kStop + 5'001 * kMs, true, 0));  // another reader: no second warning
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("test sink: reader 1 still receiving 5000 ms after stop; giving up the drain"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("giving up"), err.rfind("giving up")) << err;
}

TEST(DrainRule, GivingUpWhileIdleIsQuiet) {
  DrainRule d("test sink", "reader", 10'000, 5000);  // idle longer than the give-up
  d.request_stop(kStop);
  testing::internal::CaptureStderr();
  EXPECT_TRUE(d.done(kStop + 5'000 * kMs, kStop + 4'000 * kMs, false, 0));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(DrainRule, AbortAndReset) {
  DrainRule d("test sink", "reader", 200, 5000);
  d.abort();
  EXPECT_TRUE(d.aborted());
  EXPECT_TRUE(d.done(0, 0, true, 0));
  d.reset();
  EXPECT_FALSE(d.aborted());
  EXPECT_FALSE(d.done(kStop, 0, false, 0));
  d.request_stop(kStop);
  d.reset();  // a new run forgets the stop request
  EXPECT_FALSE(d.done(kStop * 10, 0, false, 0));
}

struct Reader : SinkReader {
  using SinkReader::SinkReader;
};

std::vector<std::unique_ptr<Reader>> readers(unsigned n) {
  std::vector<std::unique_ptr<Reader>> rs;
  for (unsigned i = 0; i < n; ++i) rs.push_back(std::make_unique<Reader>(TagCounter(2)));
  return rs;
}

TEST(JoinAndMerge, MergesEveryReader) {
  auto rs = readers(3);
  for (unsigned i = 0; i < rs.size(); ++i)
    rs[i]->thread = std::thread([r = rs[i].get(), i] {
      r->counter.arrive(100 + i);
      r->counter.count(pb_payload{PB_PAYLOAD_MAGIC, i % 2, i / 2, 50}, 10);
    });
  TagTally t = join_and_merge(rs);
  EXPECT_EQ(t.delivered, 3u);
  EXPECT_EQ(t.bytes, 30u);
  ASSERT_EQ(t.flows.size(), 2u);
  EXPECT_EQ(t.flows[0].counts.unique, 2u);
  EXPECT_EQ(t.first_ns, 100u);
  EXPECT_EQ(t.last_ns, 102u);
  for (auto& r : rs) EXPECT_FALSE(r->thread.joinable());
}

TEST(JoinAndMerge, RethrowsTheFirstErrorAfterJoiningAll) {
  auto rs = readers(3);
  for (unsigned i = 0; i < rs.size(); ++i)
    rs[i]->thread = std::thread([r = rs[i].get(), i] {
      try {
        if (i > 0) throw std::runtime_error("reader " + std::to_string(i));
      } catch (...) {
        r->error = std::current_exception();
      }
    });
  try {
    join_and_merge(rs);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "reader 1");
  }
  for (auto& r : rs) EXPECT_FALSE(r->thread.joinable());
}

}  // namespace
}  // namespace pb::core
