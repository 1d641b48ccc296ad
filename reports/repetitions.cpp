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
  std::map<std::string, std::vector<double>> values;
  for (unsigned r : ok)
    for (const auto& [name, value] : scenario_metrics(runs[r])) values[name].push_back(value);
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
