// PacketPath: the trial loop every path shares. Per trial it snapshots the kernel
// counters in both namespaces, lets the receiver get ready, runs the generator, drains
// the receiver, reads the probes, and writes the trial record with its drop ledger
// (sent = delivered + attributed + unaccounted). Paths differ only in their receiver.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <tuple>

#include "bench/core/path.h"
#include "bench/topology_veth.h"
#include "bench/traffic.h"

namespace pb::bench {

using GeneratorFactory = std::function<std::unique_ptr<Generator>(const core::TrialRequest&)>;

class PacketPath : public core::Path {
 public:
  // Attaches the kernel probes when `probes` (an unavailable probe is noted, not fatal).
  PacketPath(const VethTopology& topo, GeneratorFactory generator, std::unique_ptr<Receiver> receiver, bool probes);
  ~PacketPath() override;

  nlohmann::json run_trial(const core::TrialRequest& req) override;
  nlohmann::json sections() const override;
  nlohmann::json describe() const override { return receiver_->describe(); }

 private:
  using DropKey = std::tuple<std::string, std::string, std::string>;  // side, reason, where
  const VethTopology& topo_;
  GeneratorFactory make_generator_;
  std::unique_ptr<Receiver> receiver_;
  struct KernelProbes;  // the BPF probe families, when this build has them
  std::unique_ptr<KernelProbes> probes_on_;
  nlohmann::json probes_;  // {active, unavailable, overhead}
  core::Histogram latency_;
  uint64_t sent_ = 0, delivered_ = 0, attributed_ = 0;
  std::map<DropKey, uint64_t> drops_;
  std::vector<uint64_t> per_queue_;
  std::vector<uint64_t> per_cpu_;
};

}  // namespace pb::bench
