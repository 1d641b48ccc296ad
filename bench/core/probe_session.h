// ProbeSession: the kernel probes a path attaches for one scenario (kernel_probes/probe_set
// implements it), read around each trial. A path gets a ProbeSessionFactory from the CLI and
// opens a session whenever it (re)attaches: measuring what probes cost detaches them.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>

#include "bench/core/topology.h"
#include "bench/core/traffic.h"

namespace pb::core {

// What the probes saw in one trial.
struct ProbeReading {
  DropCounts drops;             // attributable, minus what the receiver accounts for
  bool saw_kfree_skb = false;   // the kfree_skb probe ran (the ledger's kernel source)
  nlohmann::json kernel = nlohmann::json::object();    // extra "kernel" trial fields
  nlohmann::json sections = nlohmann::json::object();  // "stages", "spread", "queues"
};

class ProbeSession {
 public:
  virtual ~ProbeSession() = default;
  // {"active": [...], "unavailable": [{name, reason}], "sampling": {...}}
  virtual nlohmann::json status() const = 0;
  virtual void begin_trial() = 0;
  // Drops the receiver already counts (Receiver::accounts_for) are left out; none without one.
  virtual ProbeReading end_trial(const Receiver* receiver) = 0;
  // Per program {name, run_cnt, run_time_ns, ns_per_run} since attach, and the total; null
  // unless the session was opened with run-time stats.
  virtual nlohmann::json bpf_stats() const = 0;
};

struct ProbeSessionOptions {
  // The kernel counts run time per BPF program while the session lives (bpf_enable_stats),
  // which slows every BPF program on the host, XDP included: cost measurements only.
  bool run_time_stats = false;
  bool tcp = false;  // a kernel-tcp run: the TCP stages instead of the tagged UDP ones
};

class ProbeSessionFactory {
 public:
  virtual ~ProbeSessionFactory() = default;
  // Whether sessions attach any probe at all.
  virtual bool empty() const = 0;
  // Loads and attaches the probes scoped to `topo`; a family the kernel cannot offer is
  // listed under status().unavailable, never an exception.
  virtual std::unique_ptr<ProbeSession> open(const Topology& topo, const ProbeSessionOptions& opts) const = 0;
};

}  // namespace pb::core
