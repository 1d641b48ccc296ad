// Steering: the scenario's RSS/RPS/RFS/XPS and qdisc settings applied to a topology
// (DESIGN.md "Scenario"): rps_cpus on the DUT's RX queues, xps_cpus on the TG's TX queues,
// RFS flow tables, and the TG's egress qdisc. Knobs inside pathbench's namespaces die with
// them; the host-wide one (net.core.rps_sock_flow_entries) is restored on destruction and
// recorded in the run's state file meanwhile.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

#include "bench/scenario.h"
#include "bench/state.h"
#include "bench/topology_veth.h"

namespace pb::bench {

class Steering {
 public:
  // Applies what `spec` asks for; throws std::system_error naming the knob on failure.
  Steering(RunState& state, const VethTopology& topo, const ScenarioSpec& spec);
  ~Steering();
  // {"rps_cpus", "xps_cpus", "rfs_entries", "qdisc"} as applied, for the report's topology.
  nlohmann::json describe() const { return applied_; }

 private:
  std::optional<StateSysfsGuard> rfs_global_;
  nlohmann::json applied_ = nlohmann::json::object();
};

// Runs `tc ARGS...` inside `netns_fd`; throws std::system_error with tc's message.
void run_tc(int netns_fd, const std::vector<std::string>& args);

}  // namespace pb::bench
