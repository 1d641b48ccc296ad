// ProbeSet: the kernel probe families a scenario attaches (--probes default|none|LIST),
// read around each trial: kfree_skb and xdp:* drops for the ledger, the stages / spread /
// queues report sections, and what the probes cost (BPF run_time_ns per program).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/core/probe_session.h"

namespace pb::probes {

// What "default" means: all but udp_delivery (a per-datagram cross-check of the sink).
std::vector<std::string> default_probe_families();
// Whether any of `families` is attached in sampling windows.
bool any_per_packet(const std::vector<std::string>& families);
// "name: doc" of every family, one per line, for --help.
std::string probe_family_help();
// "default" | "none" | "name,name,..." where a name may also be "default": the families to
// attach; throws core::UsageError naming `what` and the unknown name.
std::vector<std::string> parse_probe_list(const std::string& text, const std::string& what);

// When the per-packet families (spread, queues, stages) are attached during a trial:
// active_ms of every period_ms, or always.
struct ProbeSampling {
  unsigned active_ms = 100;
  unsigned period_ms = 1000;
  bool always() const { return active_ms >= period_ms; }
  double fraction() const { return always() ? 1.0 : double(active_ms) / double(period_ms); }
};
// "ACTIVE/PERIOD" in ms (e.g. "100/1000") or "all"; throws core::UsageError naming `what`.
ProbeSampling parse_probe_sampling(const std::string& text, const std::string& what);

// Which families a scenario attaches and when the per-packet ones are sampled.
struct ProbeOptions {
  std::vector<std::string> families = default_probe_families();
  ProbeSampling sampling;
};

// Opens ProbeSets with fixed options: what the CLI hands a path.
class ProbeSetFactory final : public core::ProbeSessionFactory {
 public:
  explicit ProbeSetFactory(ProbeOptions opts) : opts_(std::move(opts)) {}
  bool empty() const override { return opts_.families.empty(); }
  std::unique_ptr<core::ProbeSession> open(const core::Topology& topo,
                                           const core::ProbeSessionOptions& session) const override;

 private:
  ProbeOptions opts_;
};

class ProbeSet final : public core::ProbeSession {
 public:
  // Loads the named families scoped to the topology; a family the kernel or the build
  // cannot offer goes to status().unavailable with the reason. The drop hooks stay
  // attached; the per-packet families attach per opts.sampling inside trials.
  ProbeSet(const core::Topology& topo, const ProbeOptions& opts, const core::ProbeSessionOptions& session = {});
  ProbeSet(const ProbeSet&) = delete;
  ProbeSet& operator=(const ProbeSet&) = delete;
  ~ProbeSet() override;

  reports::Probes status() const override;
  void begin_trial() override;
  core::ProbeReading end_trial(const core::Receiver* receiver, reports::Trial& into) override;
  reports::Nullable<reports::BpfCost> bpf_stats() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::probes
