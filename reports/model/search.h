// The throughput search's record (`run --search ndr-pdr`, DESIGN.md "Throughput";
// ../shared/reference/search-and-compare.md §2.5): the goals with their bounds and
// conditional throughput, every trial in order, and latency at fractions of PDR.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/model/measures.h"
#include "reports/model/values.h"

namespace pb::reports {

// Trial roles in a search.
inline constexpr const char* kRoleWarmup = "warmup";  // at max load, not used
inline constexpr const char* kRoleSearch = "search";

// One search trial: its input (load, duration) and output. Loss is over sent; unsent
// (intended - sent) is shown apart, and a trial whose unsent share is above the tolerance
// (max of 10 us of traffic and 2 %) is high-loss for every goal (generator_bound).
struct SearchTrial {
  std::string role = kRoleSearch;
  uint64_t offered_pps = 0;  // the intended load
  double duration_s = 0;     // intended; effective_s is what the trial took
  double effective_s = 0;
  uint64_t intended = 0, sent = 0, unsent = 0, delivered = 0;
  double loss_ratio = 0;     // (sent - delivered) / sent; |negative loss| counts as loss
  double rx_pps = 0;
  bool generator_bound = false;
  bool negative_loss = false;  // more delivered than sent (counted as loss, flagged)
  std::vector<std::string> moved;  // bounds this trial moved: "ndr_lower", "pdr_upper", ...
  bool operator==(const SearchTrial&) const = default;
};

// One goal's result: relevant lower and upper bound, the conditional throughput at the
// lower bound (what ndr_pps / pdr_pps report), and whether it is regular.
struct SearchGoal {
  double loss_ratio = 0;  // the goal loss ratio L
  Nullable<double> lower_bound_pps, upper_bound_pps, conditional_pps;
  Nullable<double> width;  // (upper - lower) / upper when both are known
  bool regular = false;
  std::optional<std::string> irregular;  // why not regular
  bool operator==(const SearchGoal&) const = default;
};

// Latency measured at a fraction of PDR (10 %, 50 %, 90 %).
struct LatencyAtFraction {
  double fraction = 0;
  uint64_t offered_pps = 0;
  double rx_pps = 0, loss_ratio = 0;
  Latency latency;
  bool operator==(const LatencyAtFraction&) const = default;
};

struct Search {
  std::string method = "mlrsearch";
  // The goal attributes (all reported, as the draft asks).
  double pdr_loss = 0.005, width = 0.005, exceed_ratio = 0.5;
  double initial_duration_s = 1, final_duration_s = 1, duration_sum_s = 1;
  unsigned preceding_targets = 2;
  double max_time_s = 1200;
  uint64_t min_load_pps = 0, max_load_pps = 0;
  double unsent_tolerance = 0.02;  // and 10 us of traffic, whichever is larger
  std::string load_unit = "pps";   // per direction, one TG interface; "tps" for kernel-tcp rr
  // The outcome.
  SearchGoal ndr, pdr;
  double search_time_s = 0;
  unsigned trial_count = 0;          // without the warm-up
  bool timed_out = false;
  bool generator_bound = false;      // a goal's upper bound was set by the generator (unsent), or max load
                                     // was a lower bound: the generator, not the path, is the limit
  std::vector<SearchTrial> trials;   // in the order measured, the warm-up first
  bool operator==(const Search&) const = default;
};

}  // namespace pb::reports
