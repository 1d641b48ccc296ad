#include "bench/paths/overhead.h"

#include <algorithm>
#include <vector>

#include "bench/core/log.h"
#include "reports/stats.h"

namespace pb::paths {

using reports::median;

reports::OverheadThroughput measure_overhead(ProbeToggle& path, const core::TrialRequest& req, unsigned pairs,
                                             const std::atomic<bool>& stop, const std::string& name) {
  reports::OverheadThroughput out;
  std::vector<double> with, without;
  for (unsigned i = 0; i < pairs && !stop.load(); ++i) {
    reports::OverheadPair& pair = out.pairs.emplace_back();
    for (bool probes : {i % 2 == 0, i % 2 != 0}) {
      path.set_probes(probes, false);
      double pps = path.run_unrecorded_trial(req).rx_pps;
      (probes ? with : without).push_back(pps);
      (probes ? pair.with_probes_pps : pair.without_probes_pps) = pps;
      PB_INFO("{}: overhead pair {}/{} {} probes: {:.0f} pps", name, i + 1, pairs, probes ? "with" : "without", pps);
    }
  }
  // One more trial with the kernel's run-time stats on, for run_time_ns per program (the
  // stats slow every BPF program, so the pairs above run without them).
  path.set_probes(true, /*run_time_stats=*/true);
  if (!stop.load()) path.run_unrecorded_trial(req);
  path.set_probes(false, false);
  path.set_probes(true, false);
  std::vector<double> ratios;
  for (size_t i = 0; i < std::min(with.size(), without.size()); ++i)
    if (without[i] > 0) ratios.push_back(with[i] / without[i]);
  out.median_with_pps = median(with);
  out.median_without_pps = median(without);
  out.ratio_of_medians = out.median_without_pps > 0 ? out.median_with_pps / out.median_without_pps : 0.0;
  out.ratio = median(ratios);
  out.cost = ratios.empty() ? 0.0 : 1.0 - out.ratio;
  return out;
}

}  // namespace pb::paths
