// DrainRule on explicit timestamps (no clock, no threads), and SinkThreads over reader
// threads that finish or fail.
#include "bench/core/drain.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/core/clock.h"
#include "bench/core/sink_threads.h"

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

// A sink whose readers run `body` once each and then wait for the drain rule.
class FakeSink : public SinkThreads {
 public:
  FakeSink() : SinkThreads("fake sink", "reader", 0, 1000) { nthreads_ = 3; }
  ~FakeSink() { stop_now(); }

  void start(std::function<void(Reader&)> body) {
    auto run = [this, body](SinkReader& sr) {
      Reader& r = static_cast<Reader&>(sr);
      try {
        body(r);
        r.publish();
        while (!drain_.done(mono_ns(), r.counter.last_ns(), false, r.index)) std::this_thread::yield();
      } catch (...) {
        r.error = std::current_exception();
      }
    };
    launch([](unsigned i) { return std::make_unique<Reader>(i, TagCounter(2)); }, run);
  }
  TagTally stop(bool drain) { return halt(drain); }
  bool joined() const {
    for (size_t i = 0; i < readers(); ++i)
      if (reader<Reader>(i).thread.joinable()) return false;
    return true;
  }
  using SinkThreads::running;
};

TEST(SinkThreads, HaltMergesEveryReader) {
  FakeSink sink;
  EXPECT_EQ(sink.threads(), 3u);
  sink.start([](Reader& r) {
    const pb_payload tag{PB_PAYLOAD_MAGIC, r.index % 2, r.index / 2, 50};
    r.counter.batch(100 + r.index).count(&tag, 10);
  });
  EXPECT_TRUE(sink.running());
  while (sink.delivered_now() < 3) std::this_thread::yield();
  TagTally t = sink.stop(/*drain=*/true);
  EXPECT_FALSE(sink.running());
  EXPECT_TRUE(sink.joined());
  EXPECT_EQ(t.delivered, 3u);
  EXPECT_EQ(t.bytes, 30u);
  ASSERT_EQ(t.flows.size(), 2u);
  EXPECT_EQ(t.flows[0].counts.unique, 2u);
  EXPECT_EQ(t.first_ns, 100u);
  EXPECT_EQ(t.last_ns, 102u);
}

TEST(SinkThreads, HaltRethrowsTheFirstErrorAfterJoiningAll) {
  FakeSink sink;
  sink.start([](Reader& r) {
    if (r.index > 0) throw std::runtime_error("reader " + std::to_string(r.index));
  });
  try {
    sink.stop(/*drain=*/false);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "reader 1");
  }
  EXPECT_TRUE(sink.joined());
  EXPECT_FALSE(sink.running());
}

TEST(SinkThreads, DestructorStopsRunningReaders) {
  FakeSink sink;
  sink.start([](Reader&) {});
  EXPECT_TRUE(sink.running());
}  // ~FakeSink aborts and joins: no std::terminate

}  // namespace
}  // namespace pb::core
