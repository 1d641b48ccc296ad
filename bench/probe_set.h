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
#include "bench/traffic.h"

namespace pb::bench {

// Every family this build knows, in attach order; "default" means all of them.
std::vector<std::string> known_probe_families();
// "default" | "none" | "name,name,...": the families to attach; throws core::UsageError
// naming `what` and the unknown name.
std::vector<std::string> parse_probe_list(const std::string& text, const std::string& what);

using DropKey = std::tuple<std::string, std::string, std::string>;  // side, reason, where

struct TrialProbeResult {
  std::map<DropKey, uint64_t> drops;  // attributable, minus what the receiver accounts for
  bool saw_kfree_skb = false;         // the kfree_skb probe ran (the ledger source)
  nlohmann::json kernel = nlohmann::json::object();    // extra "kernel" trial fields
  nlohmann::json sections = nlohmann::json::object();  // "stages", "spread", "queues"
};

class ProbeSet {
 public:
  // Attaches the named families scoped to the topology; a family the kernel or the build
  // cannot offer goes to status().unavailable with the reason. With `run_time_stats`, the
  // kernel counts run time per BPF program while it lives (bpf_enable_stats) — which slows
  // every BPF program on the host, XDP included, so only cost measurements turn it on.
  ProbeSet(const VethTopology& topo, const std::vector<std::string>& families, bool run_time_stats = false);
  ProbeSet(const ProbeSet&) = delete;
  ProbeSet& operator=(const ProbeSet&) = delete;
  ~ProbeSet();

  // {"active": [...], "unavailable": [{name, reason}]}
  nlohmann::json status() const;
  void begin_trial();
  TrialProbeResult end_trial(const Receiver& receiver);
  // Per program {name, run_cnt, run_time_ns, ns_per_run} since attach, and the total.
  nlohmann::json bpf_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::bench
