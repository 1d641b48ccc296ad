#include "bench/cli/search_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "bench/search/mlrsearch.h"
#include "reports/text.h"

namespace pb::cli {

namespace {

constexpr double kFractions[] = {0.1, 0.5, 0.9};

search::Config config_of(const suite::ScenarioSpec& spec) {
  search::Config c;
  c.pdr_loss = spec.pdr_loss;
  c.width = spec.search_width;
  c.final_duration_s = spec.duration_s;
  c.initial_duration_s = std::min(1.0, spec.duration_s);  // short trials first
  c.max_time_s = spec.max_search_time_s;
  // Two final trials' worth: with exceed ratio 0.5 a load whose one trial lost is measured
  // again before it becomes an upper bound (on these 2-core machines a lone lossy second
  // is common), while one clean trial still makes a lower bound.
  c.duration_sum_s = 2 * spec.duration_s;
  return c;
}

core::TrialRequest request(const suite::ScenarioSpec& spec, uint64_t load, double duration_s,
                           std::atomic<bool>& stop) {
  return {load, duration_s, spec.frame_size, spec.flows, &stop, {}};
}

std::string load_text(double load, const std::string& unit) { return reports::human_rate(load, unit); }

}  // namespace

void SearchOutcome::write(reports::Scenario& into) const {
  reports::Throughput& t = into.throughput ? *into.throughput : into.throughput.emplace();
  t.ndr_pps = search.ndr.conditional_pps;
  t.pdr_pps = search.pdr.conditional_pps;
  t.search = search;
  into.latency_at_fraction = at_fraction;
}

SearchOutcome run_ndr_pdr(const suite::ScenarioSpec& spec, core::Path& path, std::vector<reports::Trial>& trials,
                          Progress& progress, std::atomic<bool>& stop) {
  SearchOutcome out;
  std::string unit = "pps";
  unsigned n = 0;
  search::Measure measure = [&](uint64_t load, double duration_s) {
    reports::Trial t = path.run_unrecorded_trial(request(spec, load, duration_s, stop));
    if (t.unit == reports::kUnitTransactions) unit = "tps";
    return search::Outcome{t.sent, t.delivered, t.duration_s};
  };
  search::Hooks hooks;
  hooks.stop = &stop;
  hooks.on_trial = [&](const reports::SearchTrial& t) {
    progress.step(fmt::format("search trial {} at {} for {:.1f} s: rx {}, loss {:.3f} %{}{}", n++,
                              t.offered_pps ? load_text(double(t.offered_pps), unit) : "max load", t.duration_s,
                              load_text(t.rx_pps, unit), 100 * t.loss_ratio,
                              t.unsent ? fmt::format(", unsent {}", t.unsent) : "",
                              t.generator_bound ? " (generator-bound)" : ""));
  };
  out.search = search::run(config_of(spec), measure, hooks);
  out.search.load_unit = unit;
  const reports::Search& s = out.search;
  progress.step(fmt::format("NDR {}, PDR {} after {} trials in {:.0f} s",
                            s.ndr.conditional_pps ? load_text(*s.ndr.conditional_pps, unit) : "none",
                            s.pdr.conditional_pps ? load_text(*s.pdr.conditional_pps, unit) : "none", s.trial_count,
                            s.search_time_s));

  // The inside view where loss began: full trials, with every probe section, recorded.
  auto recorded = [&](double load, const char* role) {
    if (stop.load() || load < 1) return;
    reports::Trial& t = trials.emplace_back(path.run_trial(request(spec, uint64_t(std::llround(load)), spec.duration_s, stop)));
    t.role = std::string(role);
  };
  if (s.ndr.lower_bound_pps) recorded(*s.ndr.lower_bound_pps, reports::kRoleAtNdr);
  else if (s.ndr.upper_bound_pps) recorded(*s.ndr.upper_bound_pps, reports::kRoleAboveNdr);  // lossy at min load
  if (s.pdr.upper_bound_pps) recorded(*s.pdr.upper_bound_pps, reports::kRoleAbovePdr);

  if (s.pdr.conditional_pps)
    for (double f : kFractions) {
      if (stop.load()) break;
      uint64_t load = uint64_t(std::llround(f * *s.pdr.conditional_pps));
      if (load < 1) continue;
      progress.step(fmt::format("latency at {:.0f} % of PDR ({})", 100 * f, load_text(double(load), unit)));
      reports::Trial t = path.run_unrecorded_trial(request(spec, load, spec.duration_s, stop));
      out.at_fraction.push_back({f, load, t.rx_pps, t.loss_ratio, t.latency});
    }
  return out;
}

double search_estimate_s(const suite::ScenarioSpec& spec, double per_trial_s) {
  // A search against a clean limit takes about a dozen short trials and a few at the final
  // duration; then two recorded trials and three latency trials at the final duration.
  const search::Config c = config_of(spec);
  double short_trials = 1 + 10, final_trials = 4 + 2 + 3;
  return short_trials * (c.initial_duration_s + per_trial_s) + final_trials * (c.final_duration_s + per_trial_s);
}

}  // namespace pb::cli
