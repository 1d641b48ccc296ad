// `run --search ndr-pdr` on one scenario's path: the MLRsearch-style search (bench/search)
// with the path's unrecorded trials as its measurer, then the inside view at the found
// rates (recorded trials at NDR and at the first load above PDR: stages, queues, spread and
// the drop ledger where loss began) and latency at 10, 50 and 90 % of PDR.
#pragma once

#include <atomic>
#include <vector>

#include "bench/cli/progress.h"
#include "bench/core/path.h"
#include "bench/suite/scenario.h"
#include "reports/model/report.h"

namespace pb::cli {

struct SearchOutcome {
  reports::Search search;
  std::vector<reports::LatencyAtFraction> at_fraction;
  // throughput.ndr_pps / pdr_pps (the conditional throughputs), throughput.search and
  // latency_at_fraction: the only writer of these fields.
  void write(reports::Scenario& into) const;
};

// Runs the search; the recorded trials (at NDR, above PDR) go to `trials`.
SearchOutcome run_ndr_pdr(const suite::ScenarioSpec& spec, core::Path& path, std::vector<reports::Trial>& trials,
                          Progress& progress, std::atomic<bool>& stop);

// Its time, estimated beforehand; per_trial_s: a trial's cost besides its traffic.
double search_estimate_s(const suite::ScenarioSpec& spec, double per_trial_s);

}  // namespace pb::cli
