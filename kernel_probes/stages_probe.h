// StagesProbe: the `stages` probe family. Per-stage latency of the kernel-udp path (RX on
// the DUT, TX on the TG; stage names and boundaries in stages.h) as log-linear histograms,
// one report entry per stage, {"absent": why} for a stage that has no samples.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernel_probes/probe_family.h"
#include "kernel_probes/stages.h"

struct stages_bpf;

namespace pb::probes {

// The report names of the stages, indexed by enum pb_stg_stage.
extern const std::array<const char*, PB_STG_COUNT> kStageNames;

class StagesProbe : public ProbeFamily {
 public:
  // Opens, loads and attaches the family for `scope` (RX stages need dut_netns_ino, TX
  // stages tg_netns_ino; an ifindex of 0 matches any link in that netns). Per hook it
  // attaches the tp_btf program, else its raw_tp twin; a hook the kernel refuses both ways
  // goes to programs().unavailable. Throws std::system_error when the object cannot load.
  explicit StagesProbe(const ProbeScope& scope);
  StagesProbe(const StagesProbe&) = delete;
  StagesProbe& operator=(const StagesProbe&) = delete;
  ~StagesProbe() override;

  std::string name() const override { return "stages"; }
  const AttachedPrograms& programs() const override { return programs_; }
  std::vector<int> prog_fds() const override;
  // Snapshots the histograms and miss counters; forgets the TG qdisc kind seen so far.
  void begin_trial() override;
  // {"<stage>": latency shape | {"absent": why}} for every stage in kStageNames, counting
  // only what happened since begin_trial().
  nlohmann::json end_trial() override;

 private:
  struct SkelDeleter {
    void operator()(stages_bpf* s) const;
  };
  struct Totals {
    std::vector<uint64_t> buckets;  // PB_STG_COUNT * PB_HIST_NBUCKETS, summed over CPUs
    std::vector<uint64_t> misses;   // PB_STG_COUNT
  };
  Totals read_totals() const;
  void select_and_attach();
  // Why a stage with no samples has none.
  std::string absent_reason(int stage, uint64_t misses) const;
  // "" when the hook is attached, else why not.
  std::string hook_problem(const std::string& event) const;

  ProbeScope scope_;
  std::unique_ptr<stages_bpf, SkelDeleter> skel_;
  AttachedPrograms programs_;                      // after skel_: links detach first
  std::vector<int> attached_fds_;
  std::map<std::string, std::string> hook_state_;  // event -> "" attached | reason
  Totals snapshot_;
};

}  // namespace pb::probes
