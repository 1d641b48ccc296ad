// SpreadProbe: the `spread` probe family. Where the DUT's packets are processed: per
// (CPU, RX queue) counts at skb birth and at netif_receive_skb, the packets RPS/RFS moved
// to another CPU in between, NAPI poll work against budget, and the RX queue imbalance.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernel_probes/probe_family.h"
#include "kernel_probes/skel_ptr.h"

struct spread_bpf;

namespace pb::probes {

// How unevenly load falls on n bins: max/mean (1 = even, n = all on one) and Jain's
// fairness index (Σx)²/(n·Σx²) (1 = even, 1/n = all on one). Both 0 when Σx == 0.
struct Imbalance {
  double max_over_mean = 0;
  double jain = 0;
};
Imbalance imbalance_of(std::span<const uint64_t> counts);

class SpreadProbe final : public ProbeFamily {
 public:
  // Opens and loads the programs the kernel offers (HookSet), filtered to scope's DUT
  // netns and ifindex; a hook the kernel lacks goes to programs().unavailable. Attached in
  // sampling windows (open_window). Throws std::system_error when the object cannot load.
  explicit SpreadProbe(const ProbeScope& scope);
  SpreadProbe(const SpreadProbe&) = delete;
  SpreadProbe& operator=(const SpreadProbe&) = delete;
  ~SpreadProbe() override;

  std::string name() const override { return "spread"; }
  // Zeroes the counters.
  void begin_trial() override;
  // {"per_cpu": [{cpu, birth, receive}], "per_rx_queue": [{queue, packets}],
  //  "rx_queue_unrecorded", "rps_moved", "receive_unmatched",
  //  "napi": {polls, work, budget_exhausted, mean_work, mean_budget},
  //  "imbalance": {max_over_mean, jain} | {"absent": why}}; packets counted since begin_trial.
  nlohmann::json end_trial() override;

 protected:
  void window_opened() override;

 private:
  ProbeScope scope_;
  SkelPtr<spread_bpf> skel_;
};

}  // namespace pb::probes
