// ProbeFamily: what PacketPath needs from a probe family that fills report sections
// (stages, spread, queues): attach for a scenario, bracket each trial, say what it costs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernel_probes/probe_attach.h"
#include "reports/model/report.h"

namespace pb::probes {

// Where the run's packets are: probes count only what happens in these namespaces /
// on these links, so the rest of the host does not leak in.
struct ProbeScope {
  uint32_t dut_netns_ino = 0;
  uint32_t tg_netns_ino = 0;
  int dut_ifindex = 0;  // within the DUT netns
  int tg_ifindex = 0;   // within the TG netns
  unsigned queues = 1;  // RX/TX queues of the veth
  bool tcp = false;     // a kernel-tcp run: TCP stages instead of the tagged UDP ones
};

// Every family's hooks run on every packet of the path, so a family is attached only
// inside the sampling windows of a trial (WindowSampler) unless sampling is off.
class ProbeFamily {
 public:
  virtual ~ProbeFamily() = default;
  // "stages", "spread", "queues": the family name.
  virtual std::string name() const = 0;
  // Programs chosen per hook, and the hooks the kernel refused (with the reason).
  virtual const AttachedPrograms& programs() const { return hooks_.programs(); }
  // Starts a trial: clears or snapshots the maps. Hooks are detached.
  virtual void begin_trial() = 0;
  // Ends the trial (hooks detached again); puts the family's section for this trial
  // (DESIGN.md "Report": stages, spread or queues) into the trial record.
  virtual void end_trial(reports::Trial& into) = 0;
  // A sampling window opens: the hooks attach, then the family learns of it.
  void open_window() {
    hooks_.attach();
    window_opened();
  }
  void close_window() {
    window_closing();
    hooks_.detach();
  }

 protected:
  virtual void window_opened() {}
  virtual void window_closing() {}
  HookSet hooks_;
};

}  // namespace pb::probes
