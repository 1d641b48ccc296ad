// The NDR/PDR search against simulated DUTs (a Measure callback and a fake clock), and its
// classification and conditional throughput on the reference's golden numbers.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "bench/core/errors.h"
#include "bench/search/mlrsearch.h"

namespace pb::search {
namespace {

constexpr double kR = 1e6;
constexpr double kW = 0.005;

// A simulated generator + DUT: the generator sends up to `cap` pps (load 0: flat out at
// cap), the DUT forwards up to capacity(load) pps. The clock advances by each trial.
struct Sim {
  double cap = 2 * kR;
  std::function<double(uint64_t)> capacity = [](uint64_t) { return kR; };
  double clock = 0;
  uint64_t lowest = UINT64_MAX, highest = 0;  // loads asked for, warm-up aside
  int calls = 0;

  Measure measure() {
    return [this](uint64_t load, double d) {
      ++calls;
      clock += d;
      if (load) {
        lowest = std::min(lowest, load);
        highest = std::max(highest, load);
      }
      const double intended = load ? std::ceil(double(load) * d) : cap * d;
      Outcome o;
      o.sent = uint64_t(std::min(intended, std::floor(cap * d)));
      o.delivered = std::min<uint64_t>(o.sent, uint64_t(std::floor(capacity(load) * d)));
      o.effective_s = d;
      return o;
    };
  }
  Hooks hooks() {
    Hooks h;
    h.now_s = [this] { return clock; };
    return h;
  }
};

void expect_within_limits(const Sim& sim, const reports::Search& s) {
  EXPECT_GE(sim.lowest, s.min_load_pps);
  EXPECT_LE(sim.highest, s.max_load_pps);
}

// --- classification (§2.2) and conditional throughput (§2.3) ---

DurationSums full(double low, double high) { return {high, low, 0, 0}; }

TEST(Classify, CsitSums21sOneSecondTrials) {
  EXPECT_EQ(classify(full(11, 0), 21, 0.5), Bound::kLower);      // 11 >= 10.5
  EXPECT_EQ(classify(full(10, 0), 21, 0.5), Bound::kUndecided);  // 11 s missing might be bad
  EXPECT_EQ(classify(full(0, 11), 21, 0.5), Bound::kUpper);      // 11 > 10.5
  EXPECT_EQ(classify(full(0, 10), 21, 0.5), Bound::kUndecided);
  EXPECT_EQ(classify(full(11, 10), 21, 0.5), Bound::kLower);
  EXPECT_EQ(classify(full(10, 11), 21, 0.5), Bound::kUpper);
}

TEST(Classify, EffectiveDurationWithOverhead) {
  // 1 s trials taking 1.5 s each: 7 good (10.5, equality passes), 8 bad (12 > 10.5).
  EXPECT_EQ(classify(full(7 * 1.5, 0), 21, 0.5), Bound::kLower);
  EXPECT_EQ(classify(full(6 * 1.5, 0), 21, 0.5), Bound::kUndecided);
  EXPECT_EQ(classify(full(0, 8 * 1.5), 21, 0.5), Bound::kUpper);
  EXPECT_EQ(classify(full(0, 7 * 1.5), 21, 0.5), Bound::kUndecided);
}

TEST(Classify, PrecedingTargetSums) {
  EXPECT_EQ(classify(full(3, 0), 4.58, 0.5), Bound::kLower);
  EXPECT_EQ(classify(full(2, 0), 4.58, 0.5), Bound::kUndecided);
  EXPECT_EQ(classify(full(0, 3), 4.58, 0.5), Bound::kUpper);
  EXPECT_EQ(classify(full(0, 2), 4.58, 0.5), Bound::kUndecided);
  EXPECT_EQ(classify(full(1, 0), 1, 0.5), Bound::kLower);
  EXPECT_EQ(classify(full(0, 1), 1, 0.5), Bound::kUpper);
}

TEST(Classify, ShortTrials) {
  // Short trials never make a lower bound; short bad ones beyond c * short good ones count.
  EXPECT_EQ(classify({0, 0, 0, 5}, 1, 0.5), Bound::kUndecided);
  EXPECT_EQ(classify({0, 0, 2, 1}, 1, 0.5), Bound::kUpper);      // excess 1 of 1
  EXPECT_EQ(classify({0, 0, 1, 1}, 1, 0.5), Bound::kUndecided);  // cancelled
  // {full high, full low, short high, short low}, S = 3 s:
  EXPECT_EQ(classify({0, 2, 1.5, 1}, 3, 0.5), Bound::kLower);      // H 0.5 + missing 0.5 of 3
  EXPECT_EQ(classify({0, 2, 3, 1}, 3, 0.5), Bound::kLower);        // H 2 of 4: equality passes
  EXPECT_EQ(classify({0, 1, 3, 1}, 3, 0.5), Bound::kUpper);        // H 2 of 3
  EXPECT_EQ(classify({0, 1, 1.5, 1}, 3, 0.5), Bound::kUndecided);  // 0.5 / 3 .. 2 / 3
  // E = 0.2: c = 0.25, so 4 s of short good trials cancel 1 s of short bad ones.
  EXPECT_EQ(classify({0, 10, 1, 4}, 10, 0.2), Bound::kLower);
  EXPECT_EQ(classify({0, 10, 4, 4}, 10, 0.2), Bound::kUpper);      // H 3 of 13 > 0.2
}

TEST(Classify, ZeroExceedRatioIsRfc2544) {
  EXPECT_EQ(classify(full(59, 1), 60, 0), Bound::kUpper);
  EXPECT_EQ(classify(full(60, 0), 60, 0), Bound::kLower);
  EXPECT_EQ(classify(full(30, 0), 60, 0), Bound::kUndecided);
}

TEST(ConditionalLoss, Quantile) {
  std::vector<LossSample> t;
  for (int i = 0; i < 11; ++i) t.push_back({0.0, 1});
  for (int i = 0; i < 10; ++i) t.push_back({0.1, 1});
  EXPECT_DOUBLE_EQ(conditional_loss(t, 21, 0.5), 0.0);  // the 11th-best of 21 is still 0
  t.erase(t.begin());
  t.push_back({0.1, 1});
  EXPECT_DOUBLE_EQ(conditional_loss(t, 21, 0.5), 0.1);
  // Exactly at the budget: ties resolve to the lower loss.
  EXPECT_DOUBLE_EQ(conditional_loss({{0.2, 1}, {0.0, 1}}, 2, 0.5), 0.0);
  // Missing time counts as total loss.
  EXPECT_DOUBLE_EQ(conditional_loss({{0.0, 1}, {0.0, 1}}, 21, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(conditional_loss({}, 1, 0.5), 1.0);
  // More than S measured: the budget grows with the measured time.
  EXPECT_DOUBLE_EQ(conditional_loss({{0.0, 1}, {0.3, 1}, {0.3, 1}, {0.3, 1}}, 1, 0.5), 0.3);
}

TEST(ConditionalLoss, HardLimitPdr) {
  // [D15 "Hard Performance Limit"]: limit 100 Mfps, L 0.5 %: RLB 100.5025 Mfps, CT 100 Mfps.
  const double rlb = 100.5025e6, limit = 100e6;
  std::vector<LossSample> t(21, {(rlb - limit) / rlb, 1});
  EXPECT_LE(t[0].loss_ratio, 0.005);
  EXPECT_NEAR(rlb * (1 - conditional_loss(t, 21, 0.5)), limit, 1e-3);
}

// --- the search ---

TEST(Search, FixedLimitOracles) {
  Sim sim;
  Config c;
  c.pdr_loss = kW;
  const auto s = run(c, sim.measure(), sim.hooks());
  std::printf("fixed 1 Mpps limit: %u trials (+ warm-up), %.0f s of trials\n", s.trial_count, sim.clock);
  expect_within_limits(sim, s);
  EXPECT_EQ(s.max_load_pps, uint64_t(2 * kR));
  ASSERT_TRUE(s.ndr.regular) << s.ndr.irregular.value_or("");
  ASSERT_TRUE(s.pdr.regular) << s.pdr.irregular.value_or("");
  EXPECT_GT(*s.ndr.lower_bound_pps, kR * (1 - kW));
  EXPECT_LE(*s.ndr.lower_bound_pps, kR);
  EXPECT_DOUBLE_EQ(*s.ndr.conditional_pps, *s.ndr.lower_bound_pps);
  EXPECT_GT(*s.pdr.lower_bound_pps, kR);
  EXPECT_LE(*s.pdr.lower_bound_pps, kR / (1 - kW));
  EXPECT_NEAR(*s.pdr.conditional_pps, kR, 1.0);
  EXPECT_GE(*s.pdr.lower_bound_pps, *s.ndr.lower_bound_pps);
  EXPECT_GE(*s.pdr.upper_bound_pps, *s.ndr.upper_bound_pps);
  EXPECT_LE(*s.ndr.width, kW);
  EXPECT_LE(*s.pdr.width, kW);
  EXPECT_FALSE(s.timed_out);
  EXPECT_FALSE(s.generator_bound);
  EXPECT_DOUBLE_EQ(s.search_time_s, sim.clock);
  EXPECT_DOUBLE_EQ(s.duration_sum_s, 1.0);
  EXPECT_LT(s.trial_count, 60u);
}

TEST(Search, OverloadCollapse) {
  // Past R the DUT forwards less the more it is offered: the trial at max load says little,
  // so the bounds come from external search up and bisection.
  Sim sim;
  sim.capacity = [](uint64_t load) { return load <= kR ? kR : std::max(0.0, kR - (double(load) - kR) / 2); };
  Config c;
  const auto s = run(c, sim.measure(), sim.hooks());
  std::printf("overload collapse at 1 Mpps: %u trials\n", s.trial_count);
  if (std::getenv("PB_SEARCH_TRACE"))
    for (const auto& t : s.trials)
      std::printf("  %s %lu pps %.1f s loss %.4f gen %d moved %zu\n", t.role.c_str(), (unsigned long)t.offered_pps,
                  t.duration_s, t.loss_ratio, t.generator_bound, t.moved.size());
  expect_within_limits(sim, s);
  ASSERT_TRUE(s.ndr.regular) << s.ndr.irregular.value_or("");
  ASSERT_TRUE(s.pdr.regular) << s.pdr.irregular.value_or("");
  EXPECT_GT(*s.ndr.lower_bound_pps, kR * (1 - kW));
  EXPECT_LE(*s.ndr.lower_bound_pps, kR);
  EXPECT_GE(*s.pdr.lower_bound_pps, *s.ndr.lower_bound_pps);
}

TEST(Search, CsitDurationSum) {
  Sim sim;
  Config c;
  c.duration_sum_s = 21;
  const auto s = run(c, sim.measure(), sim.hooks());
  std::printf("fixed 1 Mpps limit, S = 21 s: %u trials\n", s.trial_count);
  ASSERT_TRUE(s.ndr.regular) << s.ndr.irregular.value_or("");
  EXPECT_GT(*s.ndr.lower_bound_pps, kR * (1 - kW));
  EXPECT_LE(*s.ndr.lower_bound_pps, kR);
  EXPECT_DOUBLE_EQ(s.duration_sum_s, 21);
}

TEST(Search, LongerFinalTrials) {
  Sim sim;
  Config c;
  c.final_duration_s = 5;
  const auto s = run(c, sim.measure(), sim.hooks());
  ASSERT_TRUE(s.ndr.regular) << s.ndr.irregular.value_or("");
  EXPECT_GT(*s.ndr.lower_bound_pps, kR * (1 - kW));
  EXPECT_LE(*s.ndr.lower_bound_pps, kR);
  bool any_long = false;
  for (const auto& t : s.trials) any_long |= t.duration_s == 5;
  EXPECT_TRUE(any_long);
  EXPECT_EQ(s.trials[1].duration_s, 1);  // the coarse targets use the initial duration
}

TEST(Search, UnsentIsNotAPass) {
  // The generator sends only C < R: above C the DUT loses nothing, but the trials are short of
  // frames. With no share tolerance, anything above C (+10 us) is generator-bound.
  const double cap = 0.6 * kR;
  Sim sim;
  sim.cap = cap;
  Config c;
  c.max_load_pps = uint64_t(2 * kR);
  c.unsent_tolerance = 0;
  const auto s = run(c, sim.measure(), sim.hooks());
  expect_within_limits(sim, s);
  ASSERT_TRUE(s.ndr.lower_bound_pps.has_value());
  EXPECT_LE(*s.ndr.lower_bound_pps, cap * (1 + kW));
  EXPECT_LE(*s.pdr.lower_bound_pps, cap * (1 + kW));
  EXPECT_TRUE(s.generator_bound);
  EXPECT_TRUE(s.trials[1].generator_bound);  // the first search trial, at max load
  EXPECT_EQ(s.trials[1].unsent, s.trials[1].intended - s.trials[1].sent);
  EXPECT_DOUBLE_EQ(s.trials[1].loss_ratio, 0.0);  // loss is over sent: unsent apart

  // The default 2 % share lets a load pass while the generator falls short by up to 2 %.
  Sim sim2;
  sim2.cap = cap;
  c.unsent_tolerance = 0.02;
  const auto s2 = run(c, sim2.measure(), sim2.hooks());
  EXPECT_LE(*s2.ndr.lower_bound_pps, cap / (1 - 0.02) * (1 + kW));
  EXPECT_TRUE(s2.generator_bound);
}

TEST(Search, MaxLoadIsALowerBound) {
  Sim sim;
  sim.cap = 0.5 * kR;  // flat out is below what the DUT forwards
  const auto s = run({}, sim.measure(), sim.hooks());
  EXPECT_EQ(s.max_load_pps, uint64_t(0.5 * kR));
  EXPECT_FALSE(s.ndr.regular);
  EXPECT_EQ(s.ndr.irregular.value_or(""), "max load is a lower bound: the path forwards all the generator offers");
  EXPECT_EQ(*s.ndr.lower_bound_pps, 0.5 * kR);
  EXPECT_FALSE(s.ndr.upper_bound_pps.has_value());
  EXPECT_FALSE(s.ndr.width.has_value());
  EXPECT_DOUBLE_EQ(*s.ndr.conditional_pps, 0.5 * kR);
  EXPECT_TRUE(s.generator_bound);  // the generator, not the path, is the limit
  EXPECT_LT(s.trial_count, 10u);
}

TEST(Search, NoLowerBound) {
  Sim sim;
  sim.capacity = [](uint64_t load) { return 0.5 * double(load); };  // loses half, always
  const auto s = run({}, sim.measure(), sim.hooks());
  expect_within_limits(sim, s);
  EXPECT_EQ(s.ndr.irregular.value_or(""), "no lower bound: loss even at min load");
  EXPECT_EQ(s.pdr.irregular.value_or(""), "no lower bound: loss even at min load");
  EXPECT_EQ(*s.ndr.upper_bound_pps, 9001);
  EXPECT_FALSE(s.ndr.conditional_pps.has_value());
  EXPECT_FALSE(s.timed_out);
}

TEST(Search, TimeBudgetAgainstAnErraticDut) {
  Sim sim;
  std::mt19937 rng(7);
  sim.capacity = [&](uint64_t load) {
    std::uniform_real_distribution<double> u(0, 1);
    return u(rng) < 0.5 ? double(load) : double(load) * u(rng);
  };
  Config c;
  c.duration_sum_s = 21;
  c.max_time_s = 15;
  const auto s = run(c, sim.measure(), sim.hooks());
  expect_within_limits(sim, s);
  EXPECT_TRUE(s.timed_out);
  EXPECT_EQ(s.ndr.irregular.value_or(""), "search stopped after 15 s");
  EXPECT_FALSE(s.ndr.regular);
  EXPECT_FALSE(s.pdr.regular);
  EXPECT_LE(s.trial_count, 15u);  // 1 s trials; the budget is checked before each
  EXPECT_GE(s.search_time_s, 15);
}

TEST(Search, StopFlag) {
  Sim sim;
  std::atomic<bool> stop{false};
  Hooks h = sim.hooks();
  int seen = 0;
  h.stop = &stop;
  h.on_trial = [&](const reports::SearchTrial&) {
    if (++seen == 4) stop = true;
  };
  const auto s = run({}, sim.measure(), h);
  EXPECT_EQ(seen, 4);
  EXPECT_EQ(s.trials.size(), 4u);
  EXPECT_EQ(s.trial_count, 3u);
  EXPECT_TRUE(s.timed_out);
  EXPECT_EQ(s.pdr.irregular.value_or("").rfind("search stopped after", 0), 0u);
}

TEST(Search, WarmupRecordedNotUsed) {
  Sim sim;
  int call = 0;
  // The warm-up finds a cold DUT that drops everything; the search must not care.
  const Measure m = [&](uint64_t load, double d) {
    Outcome o = sim.measure()(load, d);
    if (call++ == 0) o.delivered = 0;
    return o;
  };
  Config c;
  c.max_load_pps = uint64_t(2 * kR);
  const auto s = run(c, m, sim.hooks());
  ASSERT_GE(s.trials.size(), 2u);
  EXPECT_EQ(s.trials[0].role, reports::kRoleWarmup);
  EXPECT_EQ(s.trials[0].offered_pps, uint64_t(2 * kR));
  EXPECT_DOUBLE_EQ(s.trials[0].loss_ratio, 1.0);
  EXPECT_TRUE(s.trials[0].moved.empty());
  EXPECT_EQ(s.trial_count, s.trials.size() - 1);
  for (size_t i = 1; i < s.trials.size(); ++i) EXPECT_EQ(s.trials[i].role, reports::kRoleSearch);
  ASSERT_TRUE(s.ndr.regular);
  EXPECT_LE(*s.ndr.lower_bound_pps, kR);

  // Unpaced warm-up: load 0, and its sent rate becomes max load.
  Sim sim2;
  const auto s2 = run({}, sim2.measure(), sim2.hooks());
  EXPECT_EQ(s2.trials[0].role, reports::kRoleWarmup);
  EXPECT_EQ(s2.trials[0].offered_pps, 0u);
  EXPECT_EQ(s2.max_load_pps, s2.trials[0].sent);
  EXPECT_EQ(s2.trials[1].offered_pps, s2.max_load_pps);

  // No warm-up with a given max load: every trial is a search trial.
  Sim sim3;
  c.warmup = false;
  const auto s3 = run(c, sim3.measure(), sim3.hooks());
  EXPECT_EQ(s3.trial_count, s3.trials.size());
}

TEST(Search, MovedNamesTheBounds) {
  Sim sim;
  const auto s = run({}, sim.measure(), sim.hooks());
  // The trial at max load (2 Mpps, lossy) is every goal's first upper bound.
  EXPECT_EQ(s.trials[1].moved, (std::vector<std::string>{"ndr_upper", "pdr_upper"}));
  int lower = 0;
  for (const auto& t : s.trials)
    for (const auto& m : t.moved) {
      EXPECT_TRUE(m == "ndr_lower" || m == "ndr_upper" || m == "pdr_lower" || m == "pdr_upper") << m;
      lower += m == "ndr_lower";
    }
  EXPECT_GT(lower, 0);
}

TEST(Search, CountsAndNegativeLoss) {
  Sim sim;
  const Measure m = [&](uint64_t load, double d) {
    Outcome o = sim.measure()(load, d);
    if (load == 9001) o.delivered = o.sent + 90;  // a misconfigured DUT adds frames
    return o;
  };
  Config c;
  c.max_load_pps = 9001;
  const auto s = run(c, m, sim.hooks());
  const auto& t = s.trials.back();
  EXPECT_EQ(t.offered_pps, 9001u);
  EXPECT_EQ(t.intended, 9001u);
  EXPECT_TRUE(t.negative_loss);
  EXPECT_NEAR(t.loss_ratio, 90.0 / 9001, 1e-12);
  EXPECT_EQ(s.ndr.irregular.value_or(""), "no lower bound: loss even at min load");
}

TEST(Search, ForwardingNoise) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    Sim sim;
    std::mt19937 rng(seed);
    sim.capacity = [&](uint64_t) { return kR * std::uniform_real_distribution<double>(0.99, 1.01)(rng); };
    Config c;
    c.duration_sum_s = seed % 2 ? 0 : 21;
    const auto s = run(c, sim.measure(), sim.hooks());
    std::printf("+-1 %% noise, seed %u, S %g s: %u trials, NDR %.0f, PDR %.0f\n", seed, s.duration_sum_s,
                s.trial_count, s.ndr.lower_bound_pps.value_or(0), s.pdr.lower_bound_pps.value_or(0));
    expect_within_limits(sim, s);
    EXPECT_FALSE(s.timed_out);
    ASSERT_TRUE(s.ndr.lower_bound_pps.has_value());
    EXPECT_GT(*s.ndr.lower_bound_pps, kR * (0.99 - 3 * kW));
    EXPECT_LT(*s.ndr.lower_bound_pps, kR * 1.01);
    EXPECT_GE(*s.pdr.lower_bound_pps, *s.ndr.lower_bound_pps);
    EXPECT_LT(s.trial_count, 300u);
  }
}

TEST(Check, NamesTheFlag) {
  auto message = [](Config c) {
    try {
      check(c);
    } catch (const core::UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  Config c;
  EXPECT_EQ(message(c), "");
  c.pdr_loss = 1;
  EXPECT_EQ(message(c).rfind("--pdr-loss: ", 0), 0u) << message(c);
  c = {};
  c.pdr_loss = -0.1;
  EXPECT_EQ(message(c).rfind("--pdr-loss: ", 0), 0u);
  c = {};
  c.width = 0;
  EXPECT_EQ(message(c).rfind("--search-width: ", 0), 0u) << message(c);
  c.width = std::nan("");
  EXPECT_EQ(message(c).rfind("--search-width: ", 0), 0u);
  c = {};
  c.final_duration_s = 0;
  EXPECT_EQ(message(c).rfind("--duration: ", 0), 0u);
  c = {};
  c.max_time_s = -1;
  EXPECT_EQ(message(c).rfind("--max-search-time: ", 0), 0u);
  c = {};
  c.max_load_pps = 100;
  EXPECT_NE(message(c), "");
  EXPECT_THROW(run(c, [](uint64_t, double) { return Outcome{}; }), core::UsageError);
}

}  // namespace
}  // namespace pb::search
