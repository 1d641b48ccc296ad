// SpreadProbe: the `spread` probe family. Where the DUT's packets are processed: per
// (CPU, RX queue) counts at skb birth and at netif_receive_skb, the packets RPS/RFS moved
// to another CPU in between, NAPI poll work against budget, and the RX queue imbalance.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernel_probes/probe_family.h"
#include "kernel_probes/skel_ptr.h"

struct spread_bpf;

namespace pb::probes {

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
  // The trial's spread: per CPU (birth, receive), per RX queue, RPS moves, NAPI work, and the
  // RX queue imbalance (or why there is none); packets counted since begin_trial.
  void end_trial(reports::Trial& into) override;

 protected:
  void window_opened() override;

 private:
  ProbeScope scope_;
  SkelPtr<spread_bpf> skel_;
};

}  // namespace pb::probes
