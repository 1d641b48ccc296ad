// The kernel-udp path: the udp-socket generator in the TG netns sends tagged datagrams
// through the veth to SO_REUSEPORT recvmmsg sinks in the DUT netns, while the sock_drops
// probe counts what reaches the sockets and every drop by reason. Each trial checks the
// sink against the kernel's own counters.
#pragma once

#include <memory>

#include "bench/core/histogram.h"
#include "bench/core/path.h"
#include "bench/topology_veth.h"

namespace pb::probes {
class SockDropsProbe;
}

namespace pb::bench {

struct KernelUdpConfig {
  unsigned queues = 2;
  bool probes = true;
};

class KernelUdpPath : public core::Path {
 public:
  // Attaches the probes (when built and wanted); an unavailable probe is noted, not fatal.
  KernelUdpPath(const VethTopology& topo, const KernelUdpConfig& cfg);
  ~KernelUdpPath() override;

  nlohmann::json run_trial(const core::TrialRequest& req) override;
  nlohmann::json sections() const override;

  static constexpr uint16_t kDutPort = 9;       // discard
  static constexpr uint16_t kTgPortBase = 10000;

 private:
  const VethTopology& topo_;
  KernelUdpConfig cfg_;
  std::unique_ptr<probes::SockDropsProbe> probe_;
  nlohmann::json probes_;       // {active, unavailable, overhead}
  core::Histogram latency_;
  uint64_t sent_ = 0, delivered_ = 0, attributed_ = 0;
  nlohmann::json by_reason_ = nlohmann::json::array();
  nlohmann::json kernel_check_ = nlohmann::json::object();
};

}  // namespace pb::bench
