#include "dpdk/eth_port.h"

#include <fmt/core.h>
#include <rte_errno.h>

#include "bench/core/errors.h"
#include "bench/core/log.h"

namespace pb::dpdk {

namespace {

[[noreturn]] void fail(int ret, uint16_t port, const char* what) {
  core::throw_errno(ret < 0 ? -ret : ret, fmt::format("{}(port {})", what, port));
}

}  // namespace

EthPort::EthPort(uint16_t id, const PortConfig& config, rte_mempool* pool) : id_(id), config_(config) {
  if (!rte_eth_dev_is_valid_port(id))
    throw std::runtime_error(fmt::format("no DPDK port {} ({} available): no --vdev or PCI device given, or its "
                                         "probe failed (see the EAL log)",
                                         id, rte_eth_dev_count_avail()));
  rte_eth_dev_info info{};
  if (int ret = rte_eth_dev_info_get(id, &info); ret != 0) fail(ret, id, "rte_eth_dev_info_get");
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  rte_eth_dev_get_name_by_port(id, name);
  name_ = name;
  driver_ = info.driver_name != nullptr ? info.driver_name : "";
  if (config.queues == 0 || config.queues > info.max_rx_queues || config.queues > info.max_tx_queues)
    throw core::UsageError(fmt::format("--queues {}: port {} ({}) offers {} rx / {} tx queues", config.queues, id,
                                       name_, info.max_rx_queues, info.max_tx_queues));

  rte_eth_conf conf{};
  if (config.queues > 1) {
    uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP;
    if ((info.flow_type_rss_offloads & want) != 0) {
      conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
      conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads & want;
    }
  }
  if (int ret = rte_eth_dev_configure(id, config.queues, config.queues, &conf); ret != 0)
    fail(ret, id, "rte_eth_dev_configure");
  if (int ret = rte_eth_dev_adjust_nb_rx_tx_desc(id, &config_.rxd, &config_.txd); ret != 0)
    fail(ret, id, "rte_eth_dev_adjust_nb_rx_tx_desc");
  int socket = rte_eth_dev_socket_id(id);
  for (uint16_t q = 0; q < config.queues; ++q) {
    if (int ret = rte_eth_rx_queue_setup(id, q, config_.rxd, socket, nullptr, pool); ret != 0)
      fail(ret, id, "rte_eth_rx_queue_setup");
    if (int ret = rte_eth_tx_queue_setup(id, q, config_.txd, socket, nullptr); ret != 0)
      fail(ret, id, "rte_eth_tx_queue_setup");
  }
  if (int ret = rte_eth_dev_start(id); ret != 0) fail(ret, id, "rte_eth_dev_start");
  started_ = true;
  if (config.promiscuous) {
    // Some vdevs (net_ring, net_null) have no notion of it: not an error.
    if (int ret = rte_eth_promiscuous_enable(id); ret != 0 && ret != -ENOTSUP)
      PB_WARN("rte_eth_promiscuous_enable(port {}): {}", id, rte_strerror(-ret));
  }
  // Counters start at the run: a vdev on a veth may have seen traffic before.
  rte_eth_stats_reset(id);
  rte_eth_xstats_reset(id);
}

EthPort::~EthPort() {
  stop();
  if (int ret = rte_eth_dev_close(id_); ret != 0) PB_WARN("rte_eth_dev_close(port {}): {}", id_, rte_strerror(-ret));
}

void EthPort::stop() {
  if (!started_) return;
  started_ = false;
  if (int ret = rte_eth_dev_stop(id_); ret != 0) PB_WARN("rte_eth_dev_stop(port {}): {}", id_, rte_strerror(-ret));
}

rte_eth_stats EthPort::stats() const {
  rte_eth_stats s{};
  if (int ret = rte_eth_stats_get(id_, &s); ret != 0) fail(ret, id_, "rte_eth_stats_get");
  return s;
}

std::vector<std::pair<std::string, uint64_t>> EthPort::xstats() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  int n = rte_eth_xstats_get_names(id_, nullptr, 0);
  if (n <= 0) return out;
  std::vector<rte_eth_xstat_name> names(n);
  std::vector<rte_eth_xstat> values(n);
  int got_names = rte_eth_xstats_get_names(id_, names.data(), n);
  int got = rte_eth_xstats_get(id_, values.data(), n);
  if (got_names != n || got != n) fail(got < 0 ? got : -EAGAIN, id_, "rte_eth_xstats_get");
  for (const auto& v : values)
    if (v.id < names.size()) out.emplace_back(names[v.id].name, v.value);
  return out;
}

}  // namespace pb::dpdk
