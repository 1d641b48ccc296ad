// PacketPath: the trial loop every packet path shares. Per trial it snapshots the kernel
// counters in both namespaces, lets the receiver get ready, runs the generator, drains
// the receiver, reads the probes, and writes the trial record with its drop ledger
// (sent = delivered + attributed + unaccounted). Paths differ only in their receiver.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/core/path.h"
#include "bench/core/probe_session.h"
#include "bench/core/topology.h"
#include "bench/core/traffic.h"
#include "bench/paths/ledger.h"
#include "bench/paths/overhead.h"
#include "bench/traffic/generators.h"

namespace pb::paths {

class PacketPath : public core::Path, public ProbeToggle {
 public:
  // Attaches the probe families (an unavailable one is noted, not fatal).
  PacketPath(const core::Topology& topo, const traffic::GeneratorKind& generator, core::TrafficEndpoints endpoints,
             std::unique_ptr<core::Receiver> receiver, const core::ProbeSessionFactory& probes);
  ~PacketPath() override;

  reports::Trial run_trial(const core::TrialRequest& req) override;
  void finish(reports::Scenario& into) const override;
  void describe(reports::Topology& into) const override { receiver_->describe(into); }
  // Detaches (false) or re-attaches (true) the probes, for trials that measure what they
  // cost; such trials should not be part of the scenario's trials.
  void set_probes(bool on, bool run_time_stats) override;
  // A trial that leaves the scenario's totals (ledger, latency, spread) as they were.
  reports::Trial run_unrecorded_trial(const core::TrialRequest& req) override;
  // BPF run time of the probes, summed per program over every session opened with run-time
  // stats (empty if none was).
  reports::Nullable<reports::BpfCost> probe_cost() const;

 private:
  // Runs one trial; with `record`, adds it to the scenario's totals.
  reports::Trial trial(const core::TrialRequest& req, bool record);

  const core::Topology& topo_;
  const traffic::GeneratorKind& generator_;
  core::TrafficEndpoints endpoints_;
  std::unique_ptr<core::Receiver> receiver_;
  const core::ProbeSessionFactory& probe_factory_;
  std::unique_ptr<core::ProbeSession> probes_;
  reports::Probes probe_status_;                 // as first attached, with the receiver's own programs
  std::vector<reports::BpfCost> closed_costs_;   // of sessions already detached
  ScenarioTotals totals_{/*unsent_rows=*/true, /*kernel_seen_rows=*/false};
  std::vector<uint64_t> per_queue_, per_cpu_;    // the receiver's counts, summed over trials
  bool rx_queues_from_receiver_ = false;
  reports::Trial last_;                          // the last recorded trial (its probe sections)
};

}  // namespace pb::paths
