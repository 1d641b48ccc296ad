// ProbeFamily: what PacketPath needs from a probe family that fills report sections
// (stages, spread, queues): attach for a scenario, bracket each trial, say what it costs.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "kernel_probes/probe_attach.h"

namespace pb::probes {

// Where the run's packets are: probes count only what happens in these namespaces /
// on these links, so the rest of the host does not leak in.
struct ProbeScope {
  uint32_t dut_netns_ino = 0;
  uint32_t tg_netns_ino = 0;
  int dut_ifindex = 0;  // within the DUT netns
  int tg_ifindex = 0;   // within the TG netns
  unsigned queues = 1;  // RX/TX queues of the veth
};

class ProbeFamily {
 public:
  virtual ~ProbeFamily() = default;
  // "stages", "spread", "queues": the family name, also its section name in the report.
  virtual std::string name() const = 0;
  // Programs attached, and the hooks the kernel refused (with the reason).
  virtual const AttachedPrograms& programs() const = 0;
  // File descriptors of the loaded programs, for run_time_ns/run_cnt (BPF_ENABLE_STATS).
  virtual std::vector<int> prog_fds() const = 0;
  // Starts a trial: clears or snapshots the maps, starts any sampling thread.
  virtual void begin_trial() = 0;
  // Ends the trial; returns the report section for this trial (DESIGN.md "Report"), e.g.
  // {"<stage>": {latency shape} | {"absent": "why"}} for stages.
  virtual nlohmann::json end_trial() = 0;
};

}  // namespace pb::probes
