// The NDR/PDR throughput search in the manner of MLRsearch
// (../shared/reference/search-and-compare.md §2.5): two goals (NDR L = 0, PDR L = pdr_loss)
// share one trial database; each walks a chain of targets from width 4W to W; the lowest
// nominated load is measured next. A pure library: trials happen through `Measure`.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "reports/model/search.h"

namespace pb::search {

// The search's knobs; check() validates them.
struct Config {
  double pdr_loss = 0.005;          // PDR goal loss ratio (NDR's is 0)
  double width = 0.005;             // goal width, relative: (RUB - RLB) / RUB
  double exceed_ratio = 0.5;        // E
  double initial_duration_s = 1.0;  // trial duration of the coarser targets
  double final_duration_s = 1.0;    // the final target's trial duration (run --duration)
  double duration_sum_s = 0;        // final target's goal duration sum S; 0: = final_duration_s
  unsigned preceding_targets = 2;   // coarser targets: widths 2W, 4W
  double max_time_s = 1200;         // search time budget; then stop with the bounds found
  uint64_t min_load_pps = 9001;
  uint64_t max_load_pps = 0;        // 0: the warm-up's sent rate (what the generator offers flat out)
  double unsent_tolerance = 0.02;   // a trial with unsent > max(this share, 10 us of traffic)
  double unsent_tolerance_s = 10e-6;//   is high-loss for every goal (generator_bound)
  bool warmup = true;               // a first trial at max load, recorded role "warmup", not used
};

// What one trial at (load, duration) gave. load 0 = unpaced, flat out (the warm-up when
// max_load_pps is 0). effective_s 0: the intended duration.
struct Outcome { uint64_t sent = 0, delivered = 0; double effective_s = 0; };
using Measure = std::function<Outcome(uint64_t load_pps, double duration_s)>;

struct Hooks {
  std::function<double()> now_s;                              // monotonic seconds; empty: steady_clock
  std::function<void(const reports::SearchTrial&)> on_trial;  // after each trial (progress lines)
  const std::atomic<bool>* stop = nullptr;                    // set: stop after the current trial
};

// Runs the search; fills every field of reports::Search it can (goal attributes as configured,
// min/max load used, ndr/pdr goal results, search_time_s, trial_count (without warm-up),
// timed_out, generator_bound, every trial in order with `moved`). Does not set load_unit.
// With max_load_pps 0 the unpaced warm-up runs even if `warmup` is false: it sets max load.
// Choices the reference leaves open:
// - the initial trials (max load, then near its forwarding rate) come first, as in §2.5 step
//   3; after them the lowest nominated load goes first;
// - the budget is checked before each trial, so the search may overrun it by one trial;
//   a stopped goal reports the bounds of the target it had reached, marked irregular;
// - the forwarding rate that picks the initial loads, and the conditional throughput of a
//   generator-bound trial, use delivered / intended, so unsent frames lower them;
// - max load as a lower bound (no RUB) reports max load as the RLB, with its CT, irregular.
reports::Search run(const Config& config, const Measure& measure, const Hooks& hooks = {});

// Validates a config; throws core::UsageError (bench/core/errors.h) naming the flag:
// "--pdr-loss: ...", "--search-width: ...".
void check(const Config& config);

// The building blocks, exposed for tests.

// How one load stands for one target (§2.2).
enum class Bound { kUndecided, kLower, kUpper };

// Effective-duration sums of the trials at one load, split full-length/short and
// high-/low-loss for one target.
struct DurationSums {
  double full_high = 0, full_low = 0, short_high = 0, short_low = 0;
};

// The draft's load classification (§2.2) for goal duration sum S and exceed ratio E;
// equality to E passes (lower bound).
Bound classify(const DurationSums& sums, double duration_sum_s, double exceed_ratio);

// One full-length trial as the conditional throughput sees it.
struct LossSample {
  double loss_ratio = 0, effective_s = 0;
};

// The (1 - E) duration-weighted quantile of loss over the full-length trials at the RLB
// (§2.3), ties to the lower value; time missing from S counts as loss 1.0.
// CT = load * (1 - conditional_loss(...)).
double conditional_loss(std::vector<LossSample> full_trials, double duration_sum_s, double exceed_ratio);

}  // namespace pb::search
