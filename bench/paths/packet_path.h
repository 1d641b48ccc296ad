// PacketPath: the trial loop every path shares. Per trial it snapshots the kernel
// counters in both namespaces, lets the receiver get ready, runs the generator, drains
// the receiver, reads the probes, and writes the trial record with its drop ledger
// (sent = delivered + attributed + unaccounted). Paths differ only in their receiver.
#pragma once

#include <map>
#include <memory>
#include <tuple>

#include "bench/core/path.h"
#include "bench/core/probe_session.h"
#include "bench/core/topology.h"
#include "bench/core/traffic.h"
#include "bench/traffic/generators.h"

namespace pb::paths {

class PacketPath : public core::Path {
 public:
  // Attaches the probe families (an unavailable one is noted, not fatal).
  PacketPath(const core::Topology& topo, const traffic::GeneratorKind& generator, core::TrafficEndpoints endpoints,
             std::unique_ptr<core::Receiver> receiver, const core::ProbeSessionFactory& probes);
  ~PacketPath() override;

  nlohmann::json run_trial(const core::TrialRequest& req) override;
  nlohmann::json sections() const override;
  nlohmann::json describe() const override { return receiver_->describe(); }
  // Detaches (false) or re-attaches (true) the probes, for trials that measure what they
  // cost; such trials should not be part of the scenario's trials.
  void set_probes(bool on, bool run_time_stats = false);
  // A trial that leaves the scenario's totals (ledger, latency, spread) as they were.
  nlohmann::json run_unrecorded_trial(const core::TrialRequest& req);
  // BPF run time of the probes, over the trials run with run-time stats on (null if none).
  nlohmann::json probe_cost() const;

 private:
  const core::Topology& topo_;
  const traffic::GeneratorKind& generator_;
  core::TrafficEndpoints endpoints_;
  std::unique_ptr<core::Receiver> receiver_;
  const core::ProbeSessionFactory& probe_factory_;
  std::unique_ptr<core::ProbeSession> probes_;
  nlohmann::json probe_status_;      // {active, unavailable} as first attached
  nlohmann::json probe_stats_done_;  // BPF stats of probe sets already detached
  nlohmann::json sections_ = nlohmann::json::object();  // stages/spread/queues of the last trial
  core::Histogram latency_;
  uint64_t sent_ = 0, delivered_ = 0, attributed_ = 0;
  core::DropCounts drops_;
  core::DropCounts unsent_;  // TG qdisc drops: refused to the sender, not sent
  std::vector<uint64_t> per_queue_;
  std::vector<uint64_t> per_cpu_;
  bool rx_queues_from_receiver_ = false;
};

}  // namespace pb::paths
