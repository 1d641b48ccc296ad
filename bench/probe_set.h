// ProbeSet: the kernel probe families a scenario attaches (--probes default|none|LIST),
// read around each trial: kfree_skb and xdp:* drops for the ledger, the stages / spread /
// queues report sections, and what the probes cost (BPF run_time_ns per program).
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bench/topology_veth.h"
#include "bench/trial_record.h"
#include "bench/traffic.h"

namespace pb::bench {

// Every family this build knows, in attach order.
std::vector<std::string> known_probe_families();
// What "default" means: all but udp_delivery (a per-datagram cross-check of the sink).
std::vector<std::string> default_probe_families();
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

struct ProbeOptions {
  std::vector<std::string> families = default_probe_families();
  ProbeSampling sampling;
  // The kernel counts run time per BPF program while the set lives (bpf_enable_stats),
  // which slows every BPF program on the host, XDP included: cost measurements only.
  bool run_time_stats = false;
  bool tcp = false;  // a kernel-tcp run: the TCP stages (bench/tcp_path.h)
};

// Options that attach nothing.
inline ProbeOptions no_probes() {
  ProbeOptions o;
  o.families.clear();
  return o;
}

struct TrialProbeResult {
  DropCounts drops;  // attributable, minus what the receiver accounts for
  bool saw_kfree_skb = false;         // the kfree_skb probe ran (the ledger source)
  nlohmann::json kernel = nlohmann::json::object();    // extra "kernel" trial fields
  nlohmann::json sections = nlohmann::json::object();  // "stages", "spread", "queues"
};

class ProbeSet {
 public:
  // Loads the named families scoped to the topology; a family the kernel or the build
  // cannot offer goes to status().unavailable with the reason. The drop hooks stay
  // attached; the per-packet families attach per opts.sampling inside trials.
  ProbeSet(const VethTopology& topo, const ProbeOptions& opts);
  ProbeSet(const ProbeSet&) = delete;
  ProbeSet& operator=(const ProbeSet&) = delete;
  ~ProbeSet();

  // {"active": [...], "unavailable": [{name, reason}], "sampling": {...}}
  nlohmann::json status() const;
  void begin_trial();
  // Drops the receiver already counts (Receiver::accounts_for) are left out; none without one.
  TrialProbeResult end_trial(const Receiver* receiver);
  // Per program {name, run_cnt, run_time_ns, ns_per_run} since attach, and the total.
  nlohmann::json bpf_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::bench
