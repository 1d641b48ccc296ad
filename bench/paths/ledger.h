// The ledger every path writes the same way (DESIGN.md "Drop ledger"): per trial,
// sent = delivered + attributed + unaccounted from the drops it can attribute; per
// scenario, the sums over its trials, from which the throughput comes too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/core/histogram.h"
#include "bench/core/traffic.h"
#include "reports/model/report.h"

namespace pb::paths {

// A trial's counts: offered load, the time it took, what was sent and delivered in `unit`
// (loss and receive rate follow).
void set_counts(reports::Trial& t, uint64_t offered_pps, double seconds, const std::string& unit, uint64_t sent,
                uint64_t delivered);

// The drop rows of a trial, in (side, reason, where) order, zero counts left out. A drop in
// the TG's own qdisc was refused to the sender (ENOBUFS: the generators ask for it with
// IP_RECVERR) and so never counted as sent: it is `unsent`, not in the ledger.
struct DropRows {
  std::vector<reports::DropRow> attributed;
  std::vector<reports::DropRow> unsent;
  uint64_t attributed_total = 0;
};
DropRows drop_rows(const core::DropCounts& drops);

// One row per key with its count, in key order (zero counts left out).
std::vector<reports::DropRow> rows_of(const core::DropCounts& drops);

// sent = delivered + attributed + unaccounted.
reports::Ledger ledger_of(uint64_t sent, uint64_t delivered, uint64_t attributed);

// A scenario's totals over the trials it recorded: the one computation both its ledger and
// its throughput come from (a packet path's throughput is its ledger; kernel-tcp rr counts
// transactions, named by the unit), its drop rows summed by key, its merged latency.
class ScenarioTotals {
 public:
  // Which extra row lists the path's drops carry: `unsent` (packet paths) and `kernel_seen`
  // (kernel-tcp).
  ScenarioTotals(bool unsent_rows, bool kernel_seen_rows)
      : has_unsent_(unsent_rows), has_kernel_seen_(kernel_seen_rows) {}

  // Adds one recorded trial and its latency histogram (exact min/max, which summaries lose).
  void add(const reports::Trial& trial, const core::Histogram& latency);

  unsigned trials() const { return trials_; }
  reports::Throughput throughput() const;
  // The ledger, by_reason, and the unsent or kernel-seen rows the path carries.
  reports::Drops drops() const;
  reports::Latency latency() const { return core::summarize(latency_); }
  // The scenario's throughput, latency and drops: the sections these totals own.
  void write(reports::Scenario& s) const {
    s.throughput = throughput();
    s.latency = latency();
    s.drops = drops();
  }

 private:
  unsigned trials_ = 0;
  std::string unit_ = reports::kUnitPackets;
  uint64_t sent_ = 0, delivered_ = 0;  // in unit_
  double seconds_ = 0;
  uint64_t ledger_sent_ = 0, ledger_delivered_ = 0, attributed_ = 0;
  core::DropCounts by_reason_, unsent_, kernel_seen_;
  bool has_unsent_, has_kernel_seen_;
  core::Histogram latency_;
};

}  // namespace pb::paths
