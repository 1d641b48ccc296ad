// EthPort: one ethdev port configured, started, stopped and closed, RAII.
#pragma once

#include <rte_ethdev.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pb::dpdk {

// How a port is set up: `queues` rx and tx queue pairs of `rxd`/`txd` descriptors.
struct PortConfig {
  uint16_t queues = 1;
  uint16_t rxd = 1024;
  uint16_t txd = 1024;
  bool promiscuous = true;
};

// Owns the configured state of ethdev port `id`: the constructor configures N rx/tx
// queues (RSS over IP/UDP when N > 1 and the PMD offers it), sets them up on `pool`,
// resets the counters and starts the port; the destructor stops and closes it. Stats
// reads are safe from any thread while workers poll the queues.
class EthPort {
 public:
  // Throws std::runtime_error when the port does not exist (its probe failed),
  // pb::core::UsageError when it offers fewer queues, and std::system_error naming the
  // ethdev call that failed.
  EthPort(uint16_t id, const PortConfig& config, rte_mempool* pool);
  ~EthPort();
  EthPort(const EthPort&) = delete;
  EthPort& operator=(const EthPort&) = delete;

  uint16_t id() const { return id_; }
  uint16_t queues() const { return config_.queues; }
  uint16_t rxd() const { return config_.rxd; }
  // The device name (e.g. "net_af_xdp0") and its driver name (e.g. "net_af_xdp").
  const std::string& name() const { return name_; }
  const std::string& driver() const { return driver_; }
  // Whether the port is started (false after stop()).
  bool started() const { return started_; }

  // rte_eth_stats since the port started; throws std::system_error when the PMD fails.
  rte_eth_stats stats() const;
  // Extended stats as (name, value) since the port started; empty when the PMD has none.
  std::vector<std::pair<std::string, uint64_t>> xstats() const;
  // Used descriptors of rx queue q (rte_eth_rx_queue_count), or a negative errno
  // (-ENOTSUP: the PMD cannot tell). Call from the lcore polling q: PMDs do not make
  // it safe against a concurrent rx burst on the same queue.
  int rx_queue_count(uint16_t q) const { return rte_eth_rx_queue_count(id_, q); }
  // Stops the port (idempotent); the destructor calls it too.
  void stop();

 private:
  uint16_t id_;
  PortConfig config_;
  std::string name_;
  std::string driver_;
  bool started_ = false;
};

}  // namespace pb::dpdk
