// What a scenario's probes were (active, unavailable with the reason), when they were
// attached (sampling) and what they cost (BPF run time, throughput with and without).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/model/values.h"

namespace pb::reports {

struct ProbeUnavailable {
  std::string name;    // "drops:tp_btf/kfree_skb", "stages", ...
  std::string reason;
  bool operator==(const ProbeUnavailable&) const = default;
};

// When the per-packet families were attached during a trial.
struct Sampling {
  std::string mode;  // "always" | "windows"
  double fraction = 1;
  std::optional<unsigned> active_ms, period_ms;  // windows
  std::vector<std::string> families;
  bool operator==(const Sampling&) const = default;
};

// BPF run time of one program while run-time stats were on.
struct ProgramCost {
  std::string name;  // "family:flavour/event"
  uint64_t run_cnt = 0, run_time_ns = 0;
  double ns_per_run = 0;
  bool operator==(const ProgramCost&) const = default;
};
struct BpfCost {
  std::vector<ProgramCost> programs;
  uint64_t run_cnt = 0, run_time_ns = 0;
  bool operator==(const BpfCost&) const = default;
};

// One with/without pair of --measure-overhead (an interrupted pair may lack one side).
struct OverheadPair {
  std::optional<double> with_probes_pps, without_probes_pps;
  bool operator==(const OverheadPair&) const = default;
};
struct OverheadThroughput {
  std::vector<OverheadPair> pairs;
  double median_with_pps = 0, median_without_pps = 0;
  double ratio_of_medians = 0;
  double ratio = 0;  // the median of the pairs' own ratios: the headline figure
  double cost = 0;   // 1 - ratio
  bool operator==(const OverheadThroughput&) const = default;
};
struct Overhead {
  bool measured = false;
  Nullable<BpfCost> bpf;
  std::optional<OverheadThroughput> throughput;
  bool operator==(const Overhead&) const = default;
};

struct Probes {
  std::vector<std::string> active;
  std::vector<ProbeUnavailable> unavailable;
  Nullable<Sampling> sampling;
  Overhead overhead;
  bool operator==(const Probes&) const = default;
};

}  // namespace pb::reports
