// TcpPath: the kernel-tcp path (DESIGN.md "Concepts"). TCP between the namespaces: a
// server in the DUT netns (198.18.0.2:5001), one client connection per flow from the TG
// netns. Two modes, as netperf has them:
//   stream  TCP_STREAM: each client writes message_size-byte buffers for the trial; the
//           server reads and counts. Throughput = bytes the servers received / time.
//   rr      TCP_RR: each client sends a message_size-byte request (a pb_payload tag when it
//           fits) and waits for the same-size echo; transactions per second and the
//           client-measured CLOCK_MONOTONIC round trip per transaction.
// Each trial opens fresh connections and closes them at the end, after reading every
// client socket's tcp_info over sock_diag.
#pragma once

#include <map>
#include <memory>
#include <cstdint>
#include <string>
#include <string_view>

#include "bench/paths/ledger.h"
#include "bench/core/path.h"
#include "bench/core/settings.h"
#include "bench/core/probe_session.h"
#include "bench/core/topology.h"
#include "bench/core/traffic.h"

namespace pb::paths {

using core::TcpMode;

struct TcpPathConfig {
  TcpMode mode = TcpMode::kStream;
  unsigned message_size = 0;   // bytes per write (stream) or per request and response (rr);
                               // 0: 65536 for stream, 64 for rr. [1, 1 MiB]
  uint16_t port = 5001;        // the server's port in the DUT netns
  unsigned connect_timeout_ms = 3000;  // per connect() and per accept()
};

class TcpPath : public core::Path {
 public:
  static constexpr unsigned kMaxFlows = 128;  // one client and one server thread per flow

  // Validates the config (throws core::UsageError naming the key) and attaches the probe
  // families (TCP stages; kfree_skb drops are shown beside the link ledger, not in it:
  // TCP retransmits what the stack drops). No probes unless given. Opens no socket yet.
  TcpPath(const core::Topology& topo, const TcpPathConfig& cfg, const core::ProbeSessionFactory* probes = nullptr);
  ~TcpPath() override;

  // One trial. req.flows connections (<= kMaxFlows, else core::UsageError).
  // stream: runs unpaced whatever req.offered_pps says (a byte stream has no packet rate
  //   to pace; the value is recorded as asked). sent/delivered are link packets (TG
  //   tx_packets, DUT rx_packets: skbs, which on veth are GSO super-packets, not wire
  //   segments). rr: req.offered_pps is the total transaction rate over all connections
  //   (0 = as fast as each round trip allows); sent/delivered are transactions started and
  //   completed (unit "transactions"; the ledger stays in link packets). Throws
  //   std::system_error when a socket, connect or accept fails.
  reports::Trial run_trial(const core::TrialRequest& req) override { return trial(req, true); }
  reports::Trial run_unrecorded_trial(const core::TrialRequest& req) override { return trial(req, false); }
  // Latency (rr transactions, merged), drops (the link-counter packet ledger, and the
  // kernel's kfree_skb drops as kernel_seen), probes, tcp (totals over the trials), and the
  // probe families' sections of the last trial.
  void finish(reports::Scenario& into) const override;
  // tcp_mode, message_size, port.
  void describe(reports::Topology& into) const override;

 private:
  // Runs one trial; with `record`, adds it to the scenario's totals.
  reports::Trial trial(const core::TrialRequest& req, bool record);

  const core::Topology& topo_;
  TcpPathConfig cfg_;
  unsigned message_size_;
  std::unique_ptr<core::ProbeSession> probes_;
  ScenarioTotals totals_{/*unsent_rows=*/false, /*kernel_seen_rows=*/true};
  uint64_t bytes_ = 0, transactions_ = 0, retransmits_ = 0;
  double seconds_ = 0;
  reports::Trial last_;  // the last trial (its probe sections)
};

}  // namespace pb::paths
