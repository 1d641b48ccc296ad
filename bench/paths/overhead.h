// The observer effect (DESIGN.md "Observer effect"): a scenario's trial with and without
// probes, in alternating pairs, compared by each pair's own ratio (which cancels the host's
// drift between pairs), and one more trial with the kernel's BPF run-time stats on.
#pragma once

#include <atomic>
#include <string>

#include "bench/core/traffic.h"
#include "reports/model/probes.h"
#include "reports/model/report.h"

namespace pb::paths {

// What the measurement needs of a path: probes it can detach and re-attach, and trials that
// leave the scenario's totals as they were.
class ProbeToggle {
 public:
  virtual ~ProbeToggle() = default;
  // Detaches (false) or attaches (true) the probes; with run_time_stats, reattaches them
  // with the kernel's BPF run-time stats on.
  virtual void set_probes(bool on, bool run_time_stats) = 0;
  virtual reports::Trial run_unrecorded_trial(const core::TrialRequest& req) = 0;
};

// `pairs` pairs (with first, then without first, ...), then one trial with run-time stats;
// the probes are attached again, without stats, when it returns. Stops early on `stop`
// (the pairs so far are kept). `name` labels the progress lines.
reports::OverheadThroughput measure_overhead(ProbeToggle& path, const core::TrialRequest& req, unsigned pairs,
                                             const std::atomic<bool>& stop, const std::string& name);

}  // namespace pb::paths
