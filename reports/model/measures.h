// The measurements a trial and a scenario carry (DESIGN.md "Report"): latency summaries,
// stage results, queue depths, the spread over queues and CPUs, drop rows and the ledger.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "reports/model/values.h"

namespace pb::reports {

// Non-empty histogram buckets in ascending order: (inclusive upper bound, count).
using Buckets = std::vector<std::pair<uint64_t, uint64_t>>;

// A latency distribution in nanoseconds from a log-linear histogram ("latency" and each
// stage): count, exact or bucket-bound min/max, mean, percentiles within 1 %.
struct Latency {
  uint64_t count = 0;
  uint64_t min = 0;
  double mean = 0;
  uint64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0;
  uint64_t max = 0;
  Buckets histogram;
  bool operator==(const Latency&) const = default;
};

// A stage's latency, or why it cannot occur on this path.
using StageResult = std::variant<Latency, Absent>;
// Stage name (as the stages family names them) -> result.
using Stages = std::map<std::string, StageResult>;

// A queue's depth (or a counter per interval) over a trial: its distribution and a series
// with one point per interval_ms (null: nothing seen in that interval).
struct Queue {
  std::string unit;  // "packets", "bytes", "permille", "descriptors", "frames per interval", ...
  uint64_t count = 0;
  uint64_t max = 0, p50 = 0, p99 = 0;
  Buckets histogram;
  unsigned interval_ms = 0;
  std::vector<Nullable<uint64_t>> series;
  std::optional<uint32_t> capacity;   // rings: their size
  std::optional<double> sample_ms;    // sampled more often than interval_ms
  std::optional<std::string> scope;   // what was sampled and how, when not obvious
  std::optional<uint64_t> total;      // counters: the sum over the series
  bool operator==(const Queue&) const = default;
};
using QueueResult = std::variant<Queue, Absent>;
// Queue name ("qdisc_qlen", "socket_rmem", "afxdp_rx_ring", "dpdk_rx_queue", ...) -> result.
using Queues = std::map<std::string, QueueResult>;

// Packets per CPU: a receiver's count, or the spread family's at skb birth and receive.
struct CpuCount {
  unsigned cpu = 0;
  std::optional<uint64_t> packets;
  std::optional<uint64_t> birth, receive;
  bool operator==(const CpuCount&) const = default;
};
struct QueueCount {
  unsigned queue = 0;
  uint64_t packets = 0;
  bool operator==(const QueueCount&) const = default;
};
// NAPI poll work against budget (napi:napi_poll).
struct Napi {
  uint64_t polls = 0, work = 0, budget_exhausted = 0;
  std::optional<double> mean_work, mean_budget;  // with polls > 0
  bool operator==(const Napi&) const = default;
};
// How unevenly packets spread over RX queues: max/mean (1 = even) and Jain's index
// (1 = even, 1/n = all on one); empty without packets, or absent with the reason.
struct Imbalance {
  std::optional<double> max_over_mean, jain;
  std::optional<unsigned> queues;
  std::optional<std::string> absent;
  bool operator==(const Imbalance&) const = default;
};
struct Spread {
  std::vector<CpuCount> per_cpu;
  std::vector<QueueCount> per_rx_queue;
  std::optional<uint64_t> rx_queue_unrecorded;  // births with no recorded RX queue
  std::optional<uint64_t> rps_moved;            // packets RPS/RFS moved to another CPU
  std::optional<uint64_t> receive_unmatched;
  std::optional<Napi> napi;
  Imbalance imbalance;
  bool operator==(const Spread&) const = default;
};

// One drop count by side ("dut" | "tg"), reason and place.
struct DropRow {
  std::string side;
  std::string reason;  // kernel drop reason name (BTF), or the counter's name
  std::string where;   // kfree_skb location symbol, the hook or counter that saw it
  uint64_t count = 0;
  bool operator==(const DropRow&) const = default;
};

// sent = delivered + attributed + unaccounted (unaccounted shown, never hidden; negative
// when something was counted twice).
struct Ledger {
  std::optional<std::string> source;  // trials: where the attributed drops came from
  std::optional<std::string> unit;    // when not the trial's own unit ("packets" on kernel-tcp)
  uint64_t sent = 0, delivered = 0, attributed = 0;
  int64_t unaccounted = 0;
  bool operator==(const Ledger&) const = default;
};

// A scenario's drops: the ledger over its trials and the rows behind "attributed".
struct Drops {
  Ledger ledger;
  std::vector<DropRow> by_reason;
  std::optional<std::vector<DropRow>> unsent;       // refused to the sender (TG qdisc): not sent
  std::optional<std::vector<DropRow>> kernel_seen;  // kernel-tcp: seen by kfree_skb, recovered by TCP
  bool operator==(const Drops&) const = default;
};

}  // namespace pb::reports
