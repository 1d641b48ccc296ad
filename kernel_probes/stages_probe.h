// StagesProbe: the `stages` probe family. Per-stage latency of the kernel-udp path (RX on
// the DUT, TX on the TG; stage names and boundaries in stages.h) as log-linear histograms,
// one report entry per stage, {"absent": why} for a stage that has no samples.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernel_probes/probe_family.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/stages.h"

struct stages_bpf;

namespace pb::probes {

// The report names of the stages, indexed by enum pb_stg_stage.
extern const std::array<const char*, PB_STG_COUNT> kStageNames;

class StagesProbe : public ProbeFamily {
 public:
  // Opens and loads the family for `scope` (RX stages need dut_netns_ino, TX stages
  // tg_netns_ino; an ifindex of 0 matches any link in that netns) and picks per hook the
  // program the kernel takes (HookSet; `first` lets tests use the twins); a hook the
  // kernel refuses every way goes to programs().unavailable. Attached only in sampling
  // windows (open_window). Throws std::system_error when the object cannot load.
  explicit StagesProbe(const ProbeScope& scope, Flavour first = Flavour::kTpBtf);
  StagesProbe(const StagesProbe&) = delete;
  StagesProbe& operator=(const StagesProbe&) = delete;
  ~StagesProbe() override;

  std::string name() const override { return "stages"; }
  // Both sets: the windowed hooks and the per-trial syscall entries.
  const AttachedPrograms& programs() const override { return all_; }
  // Snapshots the histograms and miss counters, forgets the TG qdisc kind seen so far,
  // attaches the syscall-entry hooks (for the whole trial, see stages.bpf.c).
  void begin_trial() override;
  // Every stage in kStageNames, its latency or why it is absent, counting only what happened
  // since begin_trial(), into the trial's stages. Detaches the syscall-entry hooks.
  void end_trial(reports::Trial& into) override;

 protected:
  // A window's start may not pair with an end of the window before (generation bump).
  void window_opened() override;
  void window_closing() override;

 private:
  struct Totals {
    std::vector<uint64_t> buckets;  // PB_STG_COUNT * PB_HIST_NBUCKETS, summed over CPUs
    std::vector<uint64_t> misses;   // PB_STG_COUNT
  };
  Totals read_totals() const;
  // Why a stage with no samples has none.
  std::string absent_reason(int stage, uint64_t misses) const;
  // "" when the hook (or, for "birth", one of the birth hooks) is attached, else why not.
  std::string hook_problem(const std::string& event) const;

  ProbeScope scope_;
  SkelPtr<stages_bpf> skel_;
  HookSet trial_hooks_;  // the syscalls:sys_enter_* hooks: attached per trial, not per window
  AttachedPrograms all_;  // programs of hooks_ and trial_hooks_
  Totals snapshot_;
};

}  // namespace pb::probes
