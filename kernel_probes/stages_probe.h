// StagesProbe: the `stages` probe family. Per-stage latency of the kernel-udp path (RX on
// the DUT, TX on the TG; stage names and boundaries in stages.h) as log-linear histograms,
// one report entry per stage, {"absent": why} for a stage that has no samples.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernel_probes/probe_family.h"
#include "kernel_probes/stages.h"

struct stages_bpf;

namespace pb::probes {

// The report names of the stages, indexed by enum pb_stg_stage.
extern const std::array<const char*, PB_STG_COUNT> kStageNames;

// Sampling: an attached tracepoint costs on every packet even when its program returns at
// once (measured on 6.18, 2 CPUs, kernel-udp over veth at max rate: -9% throughput with
// empty programs, -25% always on, -3% with the default 50 ms of every 500 ms), so during a
// trial the programs are attached for active_ms out of every period_ms, in the middle of
// each period, and detached otherwise; outside trials they are detached.
struct StagesConfig {
  unsigned period_ms = 500;
  unsigned active_ms = 50;  // >= period_ms: attached all the time, from construction on
  bool raw_tp_only = false;  // skip the tp_btf programs (tests the raw_tp twins)
  bool always_on() const { return active_ms >= period_ms; }
};

class StagesProbe : public ProbeFamily {
 public:
  // Opens and loads the family for `scope` (RX stages need dut_netns_ino, TX stages
  // tg_netns_ino; an ifindex of 0 matches any link in that netns) and picks per hook the
  // tp_btf program, else its raw_tp twin (a trial attach decides); a hook the kernel refuses
  // both ways goes to programs().unavailable. Attaches now when always on, else only in the
  // sampling windows of a trial. Throws std::system_error when the object cannot load.
  explicit StagesProbe(const ProbeScope& scope, StagesConfig cfg = {});
  StagesProbe(const StagesProbe&) = delete;
  StagesProbe& operator=(const StagesProbe&) = delete;
  ~StagesProbe() override;

  std::string name() const override { return "stages"; }
  const AttachedPrograms& programs() const override { return programs_; }
  std::vector<int> prog_fds() const override;
  // Snapshots the histograms and miss counters, forgets the TG qdisc kind seen so far and
  // starts the sampling windows.
  void begin_trial() override;
  // Stops the sampling windows; {"<stage>": latency shape | {"absent": why}} for every stage
  // in kStageNames, counting only what happened since begin_trial().
  nlohmann::json end_trial() override;
  // The fraction of the trial time the programs are attached (1 when always on).
  double sampled_fraction() const;

 private:
  struct SkelDeleter {
    void operator()(stages_bpf* s) const;
  };
  struct Totals {
    std::vector<uint64_t> buckets;  // PB_STG_COUNT * PB_HIST_NBUCKETS, summed over CPUs
    std::vector<uint64_t> misses;   // PB_STG_COUNT
  };
  Totals read_totals() const;
  void select_programs();
  void attach_window();   // attaches every selected program (links_)
  void detach_window();   // drops links_
  void sampler_main();
  void stop_sampler();
  // Why a stage with no samples has none.
  std::string absent_reason(int stage, uint64_t misses) const;
  // "" when the hook is attached, else why not.
  std::string hook_problem(const std::string& event) const;

  ProbeScope scope_;
  StagesConfig cfg_;
  std::unique_ptr<stages_bpf, SkelDeleter> skel_;
  // active/unavailable as selected; its links stay empty: the links live in links_.
  AttachedPrograms programs_;
  std::vector<std::pair<std::string, bpf_program*>> selected_;  // (shown name, program)
  std::vector<int> attached_fds_;
  std::map<std::string, std::string> hook_state_;  // event -> "" usable | reason
  Totals snapshot_;
  std::vector<BpfLink> links_;  // after skel_; only the sampler thread touches it while it runs
  std::thread sampler_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace pb::probes
