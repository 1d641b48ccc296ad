// ProbeSession: the kernel probes a path attaches for one scenario (kernel_probes/probe_set
// implements it), read around each trial. A path gets a ProbeSessionFactory from the CLI and
// opens a session whenever it (re)attaches: measuring what probes cost detaches them.
#pragma once

#include <memory>

#include "bench/core/topology.h"
#include "bench/core/traffic.h"

namespace pb::core {

// The drops the probes attribute in one trial (their other readings go into the trial record).
struct ProbeReading {
  DropCounts drops;             // attributable, minus what the receiver accounts for
  bool saw_kfree_skb = false;   // the kfree_skb probe ran (the ledger's kernel source)
};

class ProbeSession {
 public:
  virtual ~ProbeSession() = default;
  // What is attached, what the kernel refused and why, and the sampling windows (the
  // report's "probes" without "overhead").
  virtual reports::Probes status() const = 0;
  virtual void begin_trial() = 0;
  // Ends the trial: the families' readings (stages, spread, queues, and the probes' own
  // counts under "kernel") go into `into`; drops the receiver already counts
  // (Receiver::accounts_for) are left out of the result, none without a receiver.
  virtual ProbeReading end_trial(const Receiver* receiver, reports::Trial& into) = 0;
  // BPF run time per program since attach; empty unless opened with run-time stats.
  virtual reports::Nullable<reports::BpfCost> bpf_stats() const = 0;
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
