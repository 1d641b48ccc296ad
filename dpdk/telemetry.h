// The app's stats document, and its /pathbench/... commands on DPDK's telemetry socket
// (read by dpdk-telemetry.py and by the harness alike).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "dpdk/engines.h"
#include "dpdk/eth_port.h"

struct rte_tel_data;

namespace pb::dpdk {

// What the stats document is made of; everything pointed to outlives its use.
struct StatsSource {
  const EthPort* port = nullptr;
  std::string engine;
  std::vector<const Worker*> workers;
  uint64_t start_ns = 0;   // CLOCK_MONOTONIC when the workers started
  uint64_t sample_ns = 0;  // queue depth sample interval
  uint64_t tsc_hz = 0;
};

// kTelemetry fits DPDK 22.11 telemetry: a flat object of numbers, strings and arrays of
// at most 512 numbers, well inside its 16 KiB reply (histogram coarsened to at most 256
// buckets, the last samples of each depth series). kFinal has every bucket and sample,
// and adds "latency" (the report's histogram shape) and "xstats".
enum class StatsDetail { kTelemetry, kFinal };

// The stats document: engine, port, per-queue packets/bytes, rte_eth_stats (eth_*, with
// imissed/rx_nombuf/ierrors), latency percentiles and histogram buckets, queue depths.
// Throws std::system_error when the port's stats cannot be read.
nlohmann::json stats_json(const StatsSource& src, StatsDetail detail);

// Fills a telemetry reply from a flat JSON object: numbers (floats rounded, 22.11 has no
// float type), strings, arrays of numbers or strings; nested objects are left out. Returns
// 0 or a negative errno from the telemetry library.
int to_tel_data(const nlohmann::json& flat, rte_tel_data* d);

// Serves /pathbench/stats (the kTelemetry document) and /pathbench/stop (calls
// `on_stop`) while alive. DPDK 22.11 cannot unregister a command: after destruction
// (and before construction) they answer "not running". One at a time per process.
class Telemetry {
 public:
  // Throws std::system_error when rte_telemetry_register_cmd fails.
  Telemetry(StatsSource src, std::function<void()> on_stop);
  ~Telemetry();
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;
};

}  // namespace pb::dpdk
