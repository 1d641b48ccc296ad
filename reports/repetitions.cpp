#include "reports/repetitions.h"

#include <cmath>
#include <fmt/format.h>

#include "reports/metrics.h"
#include "reports/stats.h"

namespace pb::reports {

Scenario merge_repetitions(const std::vector<Scenario>& runs) {
  if (runs.size() <= 1) return runs.empty() ? Scenario{} : runs.front();
  std::vector<unsigned> ok;
  for (unsigned r = 0; r < runs.size(); ++r)
    if (runs[r].status == kStatusOk) ok.push_back(r);
  if (ok.empty()) return runs.front();

  Repetitions reps;
  reps.count = unsigned(ok.size());
  reps.primary = primary_metric(runs[ok.front()]);
  std::vector<std::map<std::string, double>> per_run;
  std::map<std::string, std::vector<double>> values;
  for (unsigned r : ok) per_run.push_back(scenario_metrics(runs[r]));
  for (const auto& m : per_run)
    for (const auto& [name, value] : m) values[name];
  // A value per ok repetition where one was measured, or is 0 (a drop reason not seen).
  for (size_t k = 0; k < ok.size(); ++k)
    for (auto& [name, v] : values) {
      auto it = per_run[k].find(name);
      if (it != per_run[k].end()) v.push_back(it->second);
      else if (zero_when_absent(runs[ok[k]], name)) v.push_back(0);
    }
  for (const auto& [name, v] : values) reps.metrics[name] = summarize_values(v);
  for (unsigned r = 0; r < runs.size(); ++r)
    if (runs[r].status != kStatusOk)
      reps.failed.push_back(fmt::format("repetition {}: {}", r, runs[r].reason.value_or(runs[r].status)));

  // The representative: the ok repetition whose primary metric is nearest its median.
  double centre = reps.metrics.count(reps.primary) ? reps.metrics[reps.primary].median : 0;
  unsigned best = ok.front();
  double best_distance = INFINITY;
  for (unsigned r : ok) {
    auto m = scenario_metrics(runs[r]);
    double d = m.count(reps.primary) ? std::fabs(m[reps.primary] - centre) : INFINITY;
    if (d < best_distance) {
      best = r;
      best_distance = d;
    }
  }
  reps.representative = best;

  Scenario out = runs[best];
  std::vector<Trial>& trials = out.trials.emplace();
  for (unsigned r = 0; r < runs.size(); ++r)
    for (Trial t : runs[r].trials.value_or(std::vector<Trial>{})) {
      t.repetition = r;
      trials.push_back(std::move(t));
    }
  out.repetitions = std::move(reps);
  return out;
}

}  // namespace pb::reports
