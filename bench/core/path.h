// Path: what the DUT side does with packets (kernel-udp, xdp-drop, ...). The runner
// builds one per scenario on a prepared topology and drives it trial by trial.
#pragma once

#include <nlohmann/json.hpp>

#include "bench/core/traffic.h"

namespace pb::core {

class Path {
 public:
  virtual ~Path() = default;
  // One trial: its report record (DESIGN.md "trials": offered_pps, duration_s, sent,
  // delivered, loss_ratio, rx_pps, ...).
  virtual nlohmann::json run_trial(const TrialRequest& req) = 0;
  // The scenario-level sections the path owns, over all trials so far: "latency",
  // "drops", "probes", and whatever else it measures.
  virtual nlohmann::json sections() const = 0;
  // Topology facts the path settled (xdp_mode, bind mode, ...), merged into "topology".
  virtual nlohmann::json describe() const { return nlohmann::json::object(); }
};

}  // namespace pb::core
