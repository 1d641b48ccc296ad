// Steering: the scenario's RSS/RPS/RFS/XPS and qdisc settings applied to a topology
// (DESIGN.md "Scenario"): rps_cpus on the DUT's RX queues, xps_cpus on the TG's TX queues,
// RFS flow tables, and the TG's egress qdisc. Knobs inside pathbench's namespaces die with
// them; the host-wide one (net.core.rps_sock_flow_entries) is restored on destruction and
// recorded in the run's state file meanwhile.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bench/host/shared_knob.h"
#include "bench/host/state.h"
#include "bench/core/settings.h"
#include "bench/core/topology.h"
#include "reports/model/report.h"

namespace pb::host {

// What a scenario asks of the steering knobs (values already checked by the suite).
struct SteeringConfig {
  std::string rps_cpus;          // hex CPU mask for every DUT RX queue ("" leaves it)
  std::string xps_cpus;          // hex CPU mask for every TG TX queue ("" leaves it)
  unsigned rfs_entries = 0;      // rps_sock_flow_entries (host-wide) and per-queue rps_flow_cnt
  core::Qdisc qdisc;             // TG egress
};

class Steering {
 public:
  // Applies `cfg`; throws std::system_error naming the knob on failure.
  Steering(RunState& state, const core::Topology& topo, const SteeringConfig& cfg);
  ~Steering();
  // rps_cpus, xps_cpus, rfs_entries and qdisc as applied, into the report's topology.
  void describe(reports::Topology& into) const;

 private:
  SteeringConfig cfg_;
  std::optional<SharedKnob> rfs_global_;  // host-wide: shared with concurrent runs
};

// Runs `tc ARGS...` inside `netns_fd`; throws std::system_error with tc's message.
void run_tc(int netns_fd, const std::vector<std::string>& args);

}  // namespace pb::host
