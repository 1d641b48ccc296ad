// Path: what the DUT side does with packets (kernel-udp, xdp-drop, ...). The runner builds
// one per scenario on a prepared topology and drives it trial by trial.
#pragma once

#include "bench/core/traffic.h"
#include "reports/model/report.h"

namespace pb::core {

class Path {
 public:
  virtual ~Path() = default;
  // One trial: its report record (DESIGN.md "trials").
  virtual reports::Trial run_trial(const TrialRequest& req) = 0;
  // A trial that leaves the scenario's totals as they were: a search's trials, overhead
  // pairs, latency at fractions of PDR.
  virtual reports::Trial run_unrecorded_trial(const TrialRequest& req) = 0;
  // The scenario-level sections the path owns, over all trials so far: latency, drops,
  // probes, and whatever else it measures (stages, spread, queues, tcp).
  virtual void finish(reports::Scenario& into) const = 0;
  // Topology facts the path settled (xdp_mode, bind mode, ...).
  virtual void describe(reports::Topology& into) const { (void)into; }
};

}  // namespace pb::core
