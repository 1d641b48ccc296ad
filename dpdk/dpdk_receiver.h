// DpdkReceiver: the dpdk path's DUT side. pathbench-dpdk (dpdk/, its own binary: DPDK owns
// its process) is started inside the DUT netns for each trial, watched through DPDK's own
// telemetry socket (/pathbench/stats), and stopped with SIGTERM, after which it prints its
// final statistics as one JSON document. The harness never links DPDK.
#pragma once

#include <sys/types.h>

#include <string>

#include <nlohmann/json.hpp>

#include "bench/core/unique_fd.h"
#include "bench/core/settings.h"
#include "bench/core/topology.h"
#include "bench/core/traffic.h"

namespace pb::dpdk {

struct DpdkConfig {
  std::string app;              // path of pathbench-dpdk
  core::DpdkPmd pmd = core::DpdkPmd::kAfXdp;
  std::string pci_addr;         // kPci: the device
  core::DpdkEngine engine = core::DpdkEngine::kRxOnly;
  unsigned queues = 1;
};

// Where pathbench-dpdk is: $PATHBENCH_DPDK, else next to this executable, else the build
// tree; empty when not found.
std::string find_dpdk_app();

// A client of DPDK's telemetry socket (protocol v2: a JSON greeting, then one JSON reply per
// command), e.g. /var/run/dpdk/<prefix>/dpdk_telemetry.v2.
class DpdkTelemetry {
 public:
  // Connects and reads the greeting; throws std::system_error when the socket is not there.
  explicit DpdkTelemetry(const std::string& socket_path);
  // Sends "/cmd[,params]" and returns the JSON value under the command's key.
  nlohmann::json query(const std::string& command);

 private:
  core::UniqueFd fd_;
  size_t max_len_ = 16384;
};

class DpdkReceiver : public core::Receiver {
 public:
  DpdkReceiver(const core::Topology& topo, DpdkConfig cfg);
  ~DpdkReceiver() override;  // kills a still-running app (SIGKILL) and reaps it

  // Starts the app and waits until its telemetry answers; a DPDK that cannot start (no
  // memory, no device) throws PathUnavailable with the EAL's last words.
  void begin_trial(const core::TrialRequest& req) override;
  core::RxResult end_trial(const core::TxResult& tx) override;
  void describe(reports::Topology& into) const override;
  // Not losses of this path: af_packet taps a copy, and the original dies in the DUT's
  // stack for want of a UDP socket; io/macswap send frames back, and the TG's stack drops
  // what it receives.
  std::vector<int> polling_cpus() const override { return workers_; }
  bool accounts_for(const core::AttributedDrop& drop) const override {
    if (cfg_.pmd == core::DpdkPmd::kAfPacket && drop.side == "dut" && drop.reason == "NO_SOCKET") return true;
    return cfg_.engine != core::DpdkEngine::kRxOnly && drop.side == "tg";
  }

 private:
  void stop_app(int sig);
  const core::Topology& topo_;
  DpdkConfig cfg_;
  std::string prefix_;      // EAL --file-prefix, unique per trial
  std::vector<int> workers_;  // lcores = CPUs the app's workers poll on
  pid_t pid_ = -1;
  core::UniqueFd stdout_;   // the app's final JSON
  std::string stderr_path_;
  unsigned trial_ = 0;
  std::string driver_;  // the PMD's driver name, as the app reported it
};

}  // namespace pb::dpdk
