// Topology: where a scenario's packets flow (DESIGN.md "Topology"): a TG and a DUT network
// namespace, the link between them (and for xdp-redirect a second pair inside the DUT), and
// the addresses the generators use. host::VethTopology implements it; `lab` will.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bench/core/traffic.h"
#include "reports/model/counters.h"

namespace pb::core {

// What a counter watch reads in each namespace: a trial's the link's two ends and the
// protocol counters (snmp, netstat); a scenario's every link and softnet too.
enum class CounterScope { kTrial, kScenario };

// The kernel's counters in both namespaces from the instant the watch began.
class CounterWatch {
 public:
  virtual ~CounterWatch() = default;
  // Reads the counters now: now minus the start, per namespace.
  virtual reports::ScenarioCounters delta() const = 0;
};

class Topology {
 public:
  virtual ~Topology() = default;

  // Network namespaces (fds), their inode numbers (what BPF filters on) and names.
  virtual int tg_netns() const = 0;
  virtual int dut_netns() const = 0;
  virtual uint32_t tg_netns_inode() const = 0;
  virtual uint32_t dut_netns_inode() const = 0;
  virtual const std::string& tg_netns_name() const = 0;
  virtual const std::string& dut_netns_name() const = 0;
  // The link's two ends, each within its own netns.
  virtual const std::string& tg_if() const = 0;
  virtual const std::string& dut_if() const = 0;
  virtual int tg_ifindex() const = 0;
  virtual int dut_ifindex() const = 0;
  // The redirect pair inside the DUT netns (xdp-redirect): its target end and the end frames
  // land on; 0 when the topology has none.
  virtual int redirect_ifindex() const = 0;
  virtual int redirect_peer_ifindex() const = 0;
  // RX/TX queues of the link.
  virtual unsigned queues() const = 0;
  // The DUT address and UDP port the receivers bind.
  virtual const std::string& dut_ip() const = 0;
  virtual uint16_t dut_port() const = 0;
  // The TG side's view of the DUT, for the generators.
  virtual TrafficEndpoints endpoints() const = 0;
  // Reads the counters in both namespaces now; the watch's delta() reads them again.
  virtual std::unique_ptr<CounterWatch> watch_counters(CounterScope scope) const = 0;
};

}  // namespace pb::core
