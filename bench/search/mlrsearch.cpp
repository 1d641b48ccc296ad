#include "bench/search/mlrsearch.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <string>

#include "bench/core/errors.h"

namespace pb::search {

Bound classify(const DurationSums& s, double duration_sum_s, double exceed_ratio) {
  // Short good trials may cancel short bad ones, at the exceed ratio's odds.
  const double coefficient = exceed_ratio / (1.0 - exceed_ratio);
  const double excess = std::max(0.0, s.short_high - coefficient * s.short_low);
  const double high = s.full_high + excess;
  const double seen = s.full_low + high;
  const double whole = std::max(seen, duration_sum_s);
  const double missing = whole - seen;
  if (whole <= 0) return Bound::kUndecided;
  if ((high + missing) / whole <= exceed_ratio) return Bound::kLower;  // even if all missing is bad
  if (high / whole > exceed_ratio) return Bound::kUpper;               // even if all missing is good
  return Bound::kUndecided;
}

double conditional_loss(std::vector<LossSample> full_trials, double duration_sum_s, double exceed_ratio) {
  std::stable_sort(full_trials.begin(), full_trials.end(),
                   [](const LossSample& a, const LossSample& b) { return a.loss_ratio < b.loss_ratio; });
  double whole = 0;
  for (const auto& t : full_trials) whole += t.effective_s;
  double budget = std::max(duration_sum_s, whole) * (1.0 - exceed_ratio);
  std::optional<double> loss;
  for (const auto& t : full_trials) {
    if (loss && budget <= 0) return *loss;
    loss = t.loss_ratio;
    budget -= t.effective_s;
  }
  // The trials ran out with budget left: the missing time counts as total loss.
  return loss && budget <= 0 ? *loss : 1.0;
}

void check(const Config& c) {
  auto pct = [](double r) { return fmt::format("{:g} %", r * 100); };
  if (!(c.pdr_loss >= 0 && c.pdr_loss < 1))
    throw core::UsageError("--pdr-loss: must be at least 0 % and below 100 %, got " + pct(c.pdr_loss));
  if (!(c.width > 0 && c.width < 1))
    throw core::UsageError("--search-width: must be above 0 % and below 100 %, got " + pct(c.width));
  if (!(c.exceed_ratio >= 0 && c.exceed_ratio < 1))
    throw core::UsageError(fmt::format("search exceed ratio: must be in [0, 1), got {:g}", c.exceed_ratio));
  if (!(c.final_duration_s > 0))
    throw core::UsageError(fmt::format("--duration: must be above 0 s, got {:g} s", c.final_duration_s));
  if (!(c.initial_duration_s > 0))
    throw core::UsageError(fmt::format("search initial duration: must be above 0 s, got {:g} s", c.initial_duration_s));
  if (!(c.duration_sum_s >= 0))
    throw core::UsageError(fmt::format("search duration sum: must be at least 0 s, got {:g} s", c.duration_sum_s));
  if (!(c.max_time_s > 0))
    throw core::UsageError(fmt::format("--max-search-time: must be above 0 s, got {:g} s", c.max_time_s));
  if (c.min_load_pps == 0) throw core::UsageError("search min load: must be at least 1 pps");
  if (c.max_load_pps != 0 && c.max_load_pps < c.min_load_pps)
    throw core::UsageError(fmt::format("search max load: {} pps is below the min load {} pps", c.max_load_pps,
                                       c.min_load_pps));
  if (!(c.unsent_tolerance >= 0) || !(c.unsent_tolerance_s >= 0))
    throw core::UsageError("search unsent tolerance: must be at least 0");
}

namespace {

// One stored trial: what classification and the conditional throughput read.
struct Record {
  double duration_s = 0, effective_s = 0, loss_ratio = 0;
  double intended_loss = 0;  // 1 - delivered / intended: what the path forwarded of what was asked
  bool generator_bound = false;
};
// Loads in integer pps, ascending; all goals read the same trials.
using Database = std::map<uint64_t, std::vector<Record>>;

// One step of a goal's chain: stopping width, trial duration (shorter trials are short),
// goal duration sum.
struct Target {
  double width = 0, trial_s = 0, sum_s = 0;
};

struct Bounds {
  std::optional<uint64_t> lo, hi;
};

double width_of(uint64_t lo, uint64_t hi) { return double(hi - lo) / double(hi); }

// The §2.2 classification of the trials at one load for one target and goal loss.
// count_generator false: as if generator-bound trials had only their measured loss.
Bound classify_load(const std::vector<Record>& trials, const Target& t, double loss, double e,
                    bool count_generator = true) {
  DurationSums s;
  for (const auto& r : trials) {
    const bool high = r.loss_ratio > loss || (count_generator && r.generator_bound);
    const bool full = r.duration_s >= t.trial_s;
    (full ? (high ? s.full_high : s.full_low) : (high ? s.short_high : s.short_low)) += r.effective_s;
  }
  return classify(s, t.sum_s, e);
}

// RUB: the smallest upper bound; RLB: the largest lower bound below it (§1.4).
Bounds relevant(const Database& db, const Target& t, double loss, double e) {
  Bounds b;
  for (const auto& [load, trials] : db) {
    const Bound c = classify_load(trials, t, loss, e);
    if (c == Bound::kLower) b.lo = load;
    if (c == Bound::kUpper) {
      b.hi = load;
      break;
    }
  }
  return b;
}

struct Goal {
  const char* name = "";  // "ndr", "pdr": the prefix of `moved`
  double loss = 0;
  std::vector<Target> targets;  // coarsest first
  size_t target = 0;
  std::optional<uint64_t> inherited_lo, inherited_hi;
  double step = 0;  // external search step, relative
  std::optional<uint64_t> extended_from;  // the bound the last external step started at
  bool done = false;
  const Target& current() const { return targets[target]; }
};

std::vector<Target> make_targets(const Config& c) {
  // Coarse targets decide a load with one trial of their duration; the final one with S.
  const double coarse_s = c.initial_duration_s < c.final_duration_s ? c.initial_duration_s : c.final_duration_s;
  std::vector<Target> out;
  for (unsigned i = c.preceding_targets; i > 0; --i)
    out.push_back({c.width * std::pow(2.0, i), coarse_s, coarse_s});
  out.push_back({c.width, c.final_duration_s, c.duration_sum_s > 0 ? c.duration_sum_s : c.final_duration_s});
  return out;
}

class Searcher {
 public:
  Searcher(const Config& c, const Measure& m, const Hooks& h) : config_(c), measure_(m), hooks_(h) {
    targets_ = make_targets(c);
    goals_.resize(2);
    goals_[0].name = "ndr";
    goals_[1].name = "pdr";
    goals_[1].loss = c.pdr_loss;
    for (auto& g : goals_) g.targets = targets_;
    start_ = now();
  }

  reports::Search run();

 private:
  double now() const {
    if (hooks_.now_s) return hooks_.now_s();
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  bool out_of_time() const { return now() - start_ >= config_.max_time_s; }
  bool stop_requested() const { return hooks_.stop && hooks_.stop->load(); }

  reports::SearchTrial trial(uint64_t load, double duration_s, bool warmup);
  void initial_trials();
  std::optional<uint64_t> nominate(Goal& g);
  reports::SearchGoal result(const Goal& g) const;

  Config config_;
  const Measure& measure_;
  const Hooks& hooks_;
  std::vector<Target> targets_;
  std::vector<Goal> goals_;
  Database db_;
  reports::Search out_;
  uint64_t max_ = 0;
  double start_ = 0;
  bool stopped_ = false;
};

reports::SearchTrial Searcher::trial(uint64_t load, double duration_s, bool warmup) {
  std::vector<Bounds> before;
  for (const auto& g : goals_) before.push_back(relevant(db_, g.current(), g.loss, config_.exceed_ratio));

  const Outcome o = measure_(load, duration_s);
  reports::SearchTrial t;
  t.role = warmup ? reports::kRoleWarmup : reports::kRoleSearch;
  t.offered_pps = load;
  t.duration_s = duration_s;
  t.effective_s = o.effective_s > 0 ? o.effective_s : duration_s;
  t.sent = o.sent;
  t.delivered = o.delivered;
  // The 1e-6 keeps float noise (1e5 pps * 0.1 s = 10000.000000000002) from adding a frame.
  t.intended = load ? uint64_t(std::ceil(double(load) * duration_s - 1e-6)) : o.sent;
  t.unsent = t.intended > t.sent ? t.intended - t.sent : 0;
  if (t.sent == 0) {
    t.loss_ratio = 1.0;  // nothing went out: nothing was forwarded
  } else if (t.delivered > t.sent) {
    t.negative_loss = true;  // extra frames count as lost ones (draft -03)
    t.loss_ratio = std::min(1.0, double(t.delivered - t.sent) / double(t.sent));
  } else {
    t.loss_ratio = double(t.sent - t.delivered) / double(t.sent);
  }
  t.rx_pps = double(t.delivered) / t.effective_s;
  const double tolerance = std::max(config_.unsent_tolerance * double(t.intended),
                                    config_.unsent_tolerance_s * double(load));
  t.generator_bound = load > 0 && double(t.unsent) > tolerance;
  if (warmup) {
    out_.trials.push_back(t);
    if (hooks_.on_trial) hooks_.on_trial(t);
    return t;
  }

  Record r{t.duration_s, t.effective_s, t.loss_ratio, 0, t.generator_bound};
  r.intended_loss = t.intended ? std::clamp(1.0 - double(t.delivered) / double(t.intended), 0.0, 1.0) : 1.0;
  db_[load].push_back(r);
  for (size_t i = 0; i < goals_.size(); ++i) {
    const Goal& g = goals_[i];
    const Bounds after = relevant(db_, g.current(), g.loss, config_.exceed_ratio);
    if (after.lo != before[i].lo) t.moved.push_back(std::string(g.name) + "_lower");
    if (after.hi != before[i].hi) t.moved.push_back(std::string(g.name) + "_upper");
  }
  ++out_.trial_count;
  out_.trials.push_back(t);
  if (hooks_.on_trial) hooks_.on_trial(t);
  return t;
}

// §2.5 step 3: max load, then near its forwarding rate, then once more around that. NDR's
// loss 0 is the smallest goal loss, so the forwarding rate needs no 1 / (1 - Lmin).
void Searcher::initial_trials() {
  const Target& coarse = targets_.front();
  auto clamp_load = [&](double x, uint64_t hi) {
    return std::clamp<uint64_t>(uint64_t(std::max(0.0, std::floor(x))), config_.min_load_pps, hi);
  };
  // The forwarding rate of what was intended: unsent frames lower it as lost ones do.
  auto forwarding = [](const reports::SearchTrial& t) {
    return t.intended ? double(t.offered_pps) * double(t.delivered) / double(t.intended) : 0.0;
  };
  if (out_of_time()) return;
  const auto at_max = trial(max_, coarse.trial_s, false);
  const double m1f = forwarding(at_max);
  if (m1f >= double(max_) * (1 - coarse.width) || max_ <= config_.min_load_pps) {
    for (auto& g : goals_) g.inherited_lo = max_;
    return;
  }
  const uint64_t m1 = clamp_load(m1f, max_ - 1);
  if (out_of_time() || stop_requested()) return;
  const auto t1 = trial(m1, coarse.trial_s, false);
  const bool high = t1.loss_ratio > 0 || t1.generator_bound;
  const uint64_t m2 = clamp_load(high ? forwarding(t1) : double(m1) / (1 - coarse.width), max_);
  uint64_t lo = m1, hi = max_;
  if (double(std::max(m1, m2) - std::min(m1, m2)) > config_.width * double(std::max(m1, m2)) && !out_of_time() &&
      !stop_requested()) {
    trial(m2, coarse.trial_s, false);
    lo = std::min(m1, m2);
    hi = std::max(m1, m2);
  }
  for (auto& g : goals_) {
    g.inherited_lo = lo;
    g.inherited_hi = hi;
  }
}

// §2.5 step 5: the goal's next load, advancing targets while the current one is reached;
// nothing once the final target is.
std::optional<uint64_t> Searcher::nominate(Goal& g) {
  while (!g.done) {
    const Target& t = g.current();
    const Bounds b = relevant(db_, t, g.loss, config_.exceed_ratio);
    auto worth = [&](uint64_t x) {
      if (x < config_.min_load_pps || x > max_) return false;
      if ((b.lo && x <= *b.lo) || (b.hi && x >= *b.hi)) return false;
      return !(b.lo && b.hi && width_of(*b.lo, *b.hi) <= t.width);
    };
    if (g.step == 0) {
      const double inherited =
          g.inherited_lo && g.inherited_hi && *g.inherited_hi > 0 ? width_of(*g.inherited_lo, *g.inherited_hi) : 0;
      g.step = 2 * std::max(t.width, inherited);
    }
    std::optional<uint64_t> x;
    if (g.inherited_lo && worth(*g.inherited_lo)) {
      x = g.inherited_lo;
    } else if (g.inherited_hi && worth(*g.inherited_hi)) {
      x = g.inherited_hi;
    } else if (b.hi && !b.lo) {
      // External search down; the step doubles while each step lands on an upper bound again.
      if (g.extended_from && *b.hi < *g.extended_from) g.step *= 2;
      g.extended_from = b.hi;
      const double down = double(*b.hi) * (1 - std::min(g.step, 1.0));
      x = std::max<uint64_t>(config_.min_load_pps, uint64_t(std::llround(down)));
    } else if (b.lo && !b.hi) {
      if (g.extended_from && *b.lo > *g.extended_from) g.step *= 2;
      g.extended_from = b.lo;
      const double up = g.step >= 1 ? double(max_) : double(*b.lo) / (1 - g.step);
      x = std::min<uint64_t>(max_, uint64_t(std::llround(std::min(up, double(max_)))));
    } else if (b.lo && b.hi) {
      g.extended_from.reset();
      x = uint64_t(std::llround(std::sqrt(double(*b.lo) * double(*b.hi))));
    } else {
      x = max_;  // nothing classified yet for this target: start over at the top
    }
    if (x && worth(*x)) return x;
    // Target reached: the finer one inherits its bounds.
    if (g.target + 1 == g.targets.size()) {
      g.done = true;
    } else {
      ++g.target;
      g.inherited_lo = b.lo;
      g.inherited_hi = b.hi;
      g.step = 0;
      g.extended_from.reset();
    }
  }
  return std::nullopt;
}

reports::SearchGoal Searcher::result(const Goal& g) const {
  reports::SearchGoal r;
  r.loss_ratio = g.loss;
  const Target& t = g.current();
  const Bounds b = relevant(db_, t, g.loss, config_.exceed_ratio);
  if (b.lo) {
    r.lower_bound_pps = double(*b.lo);
    std::vector<LossSample> full;
    for (const auto& rec : db_.at(*b.lo)) {
      // A generator-bound trial counts with what the path forwarded of what was intended.
      if (rec.duration_s >= t.trial_s)
        full.push_back({rec.generator_bound ? std::max(rec.loss_ratio, rec.intended_loss) : rec.loss_ratio,
                        rec.effective_s});
    }
    r.conditional_pps = double(*b.lo) * (1 - conditional_loss(full, t.sum_s, config_.exceed_ratio));
  }
  if (b.hi) r.upper_bound_pps = double(*b.hi);
  if (b.lo && b.hi) r.width = width_of(*b.lo, *b.hi);
  if (stopped_) {
    r.irregular = fmt::format("search stopped after {:.0f} s", out_.search_time_s);
  } else if (!b.lo) {
    r.irregular = "no lower bound: loss even at min load";
  } else if (!b.hi) {
    r.irregular = "max load is a lower bound: the path forwards all the generator offers";
  } else if (*r.width > config_.width) {
    r.irregular = fmt::format("width {:g} above the goal width {:g}", *r.width, config_.width);
  } else {
    r.regular = true;
  }
  return r;
}

reports::Search Searcher::run() {
  const Config& c = config_;
  out_.pdr_loss = c.pdr_loss;
  out_.width = c.width;
  out_.exceed_ratio = c.exceed_ratio;
  out_.initial_duration_s = c.initial_duration_s;
  out_.final_duration_s = c.final_duration_s;
  out_.duration_sum_s = targets_.back().sum_s;
  out_.preceding_targets = c.preceding_targets;
  out_.max_time_s = c.max_time_s;
  out_.min_load_pps = c.min_load_pps;
  out_.unsent_tolerance = c.unsent_tolerance;

  const double warmup_s = targets_.front().trial_s;
  max_ = c.max_load_pps;
  if (max_ == 0) {
    // Unpaced: the generator's own ceiling becomes max load.
    const auto w = trial(0, warmup_s, true);
    max_ = uint64_t(double(w.sent) / w.effective_s);
  } else if (c.warmup) {
    trial(max_, warmup_s, true);
  }
  // A generator slower than min load: measure min anyway; its trials are generator-bound.
  max_ = std::max(max_, c.min_load_pps);
  out_.max_load_pps = max_;

  if (!stop_requested()) initial_trials();
  while (true) {
    std::optional<uint64_t> load;
    double duration_s = 0;
    // Lowest load first; on a tie the longer trial; then the earlier goal (NDR).
    for (auto& g : goals_) {
      const auto x = nominate(g);
      if (x && (!load || *x < *load || (*x == *load && g.current().trial_s > duration_s))) {
        load = x;
        duration_s = g.current().trial_s;
      }
    }
    if (!load) break;
    if (stop_requested() || out_of_time()) {
      stopped_ = true;
      break;
    }
    trial(*load, duration_s, false);
  }
  out_.timed_out = stopped_;
  out_.search_time_s = now() - start_;
  out_.ndr = result(goals_[0]);
  out_.pdr = result(goals_[1]);
  // A bound the generator set, not the path: the RUB would not be one on loss alone, or
  // there is none (the path forwarded all the generator could offer). A generator-bound
  // trial elsewhere (at max load, say) only says the generator's ceiling is noisy.
  for (const auto& g : goals_) {
    const Bounds b = relevant(db_, g.current(), g.loss, config_.exceed_ratio);
    if (b.hi && classify_load(db_.at(*b.hi), g.current(), g.loss, config_.exceed_ratio, false) != Bound::kUpper)
      out_.generator_bound = true;
    if (!b.hi && b.lo && *b.lo == max_) out_.generator_bound = true;
  }
  return out_;
}

}  // namespace

reports::Search run(const Config& config, const Measure& measure, const Hooks& hooks) {
  check(config);
  return Searcher(config, measure, hooks).run();
}

}  // namespace pb::search
