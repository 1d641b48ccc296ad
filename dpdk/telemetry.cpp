#include "dpdk/telemetry.h"

#include <rte_telemetry.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "bench/core/clock.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"

namespace pb::dpdk {

namespace {

constexpr size_t kTelemetryMaxBuckets = 256;
// Depth samples per reply, shared out over the queues.
constexpr size_t kTelemetryDepthBudget = 1024;
constexpr size_t kTelemetryMaxDepthPerQueue = 256;

void add_eth_stats(nlohmann::json& j, const rte_eth_stats& s) {
  j["eth_ipackets"] = s.ipackets;
  j["eth_opackets"] = s.opackets;
  j["eth_ibytes"] = s.ibytes;
  j["eth_obytes"] = s.obytes;
  j["eth_imissed"] = s.imissed;
  j["eth_ierrors"] = s.ierrors;
  j["eth_oerrors"] = s.oerrors;
  j["eth_rx_nombuf"] = s.rx_nombuf;
}

void add_latency(nlohmann::json& j, const core::Histogram& h, size_t max_buckets) {
  j["lat_count"] = h.count();
  j["lat_min_ns"] = h.min();
  j["lat_mean_ns"] = h.mean();
  j["lat_p50_ns"] = h.percentile(50);
  j["lat_p90_ns"] = h.percentile(90);
  j["lat_p99_ns"] = h.percentile(99);
  j["lat_p999_ns"] = h.percentile(99.9);
  j["lat_max_ns"] = h.max();
  auto buckets = h.buckets();
  // Merging runs of adjacent non-empty buckets keeps each merged bucket's upper bound
  // exact; only resolution is lost.
  size_t group = std::max<size_t>(1, (buckets.size() + max_buckets - 1) / max_buckets);
  auto upper = nlohmann::json::array(), count = nlohmann::json::array();
  for (size_t i = 0; i < buckets.size(); i += group) {
    uint64_t c = 0;
    size_t end = std::min(buckets.size(), i + group);
    for (size_t k = i; k < end; ++k) c += buckets[k].second;
    upper.push_back(buckets[end - 1].first);
    count.push_back(c);
  }
  j["lat_hist_upper_ns"] = std::move(upper);
  j["lat_hist_count"] = std::move(count);
  j["lat_hist_merge"] = group;
}

std::mutex g_mu;
// Telemetry callbacks take no user pointer in 22.11: the live Telemetry's state is here.
std::unique_ptr<const StatsSource> g_src;  // guarded by g_mu
std::unique_ptr<std::function<void()>> g_on_stop;
bool g_registered = false;

int cmd_stats(const char*, const char*, rte_tel_data* d) {
  std::lock_guard lock(g_mu);
  if (g_src == nullptr) return rte_tel_data_string(d, "pathbench-dpdk: not running");
  try {
    return to_tel_data(stats_json(*g_src, StatsDetail::kTelemetry), d);
  } catch (const std::exception& e) {
    PB_WARN("telemetry /pathbench/stats: {}", e.what());
    return -EIO;
  }
}

int cmd_stop(const char*, const char*, rte_tel_data* d) {
  std::lock_guard lock(g_mu);
  if (g_on_stop == nullptr) return rte_tel_data_string(d, "pathbench-dpdk: not running");
  (*g_on_stop)();
  rte_tel_data_start_dict(d);
  return rte_tel_data_add_dict_int(d, "stopping", 1);
}

}  // namespace

nlohmann::json stats_json(const StatsSource& src, StatsDetail detail) {
  bool final_doc = detail == StatsDetail::kFinal;
  size_t nq = src.port->queues();
  size_t depth_tail = final_doc ? SIZE_MAX
                                : std::min(kTelemetryMaxDepthPerQueue, kTelemetryDepthBudget / std::max<size_t>(1, nq));
  std::vector<QueueStats> qs(nq);
  std::vector<std::vector<uint32_t>> depth(nq);
  core::Histogram latency;
  int depth_error = 0;
  for (const Worker* w : src.workers) {
    WorkerSnapshot s = w->snapshot(depth_tail);
    for (size_t i = 0; i < s.queues.size(); ++i) {
      qs[s.queues[i]] = s.stats[i];
      depth[s.queues[i]] = std::move(s.depth[i]);
    }
    latency.merge(s.latency);
    if (s.depth_error != 0) depth_error = s.depth_error;
  }

  nlohmann::json j;
  j["schema"] = "pathbench-dpdk/1";
  j["engine"] = src.engine;
  j["port"] = src.port->id();
  j["port_name"] = src.port->name();
  j["driver"] = src.port->driver();
  j["queues"] = nq;
  j["workers"] = src.workers.size();
  j["elapsed_ns"] = core::mono_ns() - src.start_ns;
  j["tsc_hz"] = src.tsc_hz;
  QueueStats total;
  auto per_queue = [&](const char* key, uint64_t QueueStats::*field) {
    auto a = nlohmann::json::array();
    uint64_t sum = 0;
    for (const auto& q : qs) {
      a.push_back(q.*field);
      sum += q.*field;
    }
    j[std::string("queue_") + key] = std::move(a);
    total.*field = sum;
    j[key] = sum;
  };
  per_queue("rx_packets", &QueueStats::rx_packets);
  per_queue("rx_bytes", &QueueStats::rx_bytes);
  per_queue("tx_packets", &QueueStats::tx_packets);
  per_queue("tx_dropped", &QueueStats::tx_dropped);
  per_queue("tagged", &QueueStats::tagged);
  per_queue("untagged", &QueueStats::untagged);
  add_eth_stats(j, src.port->stats());
  add_latency(j, latency, final_doc ? core::Histogram::kBuckets : kTelemetryMaxBuckets);
  j["qdepth_interval_ns"] = src.sample_ns;
  j["qdepth_supported"] = depth_error == 0;
  if (depth_error != 0) j["qdepth_error"] = std::string(std::strerror(-depth_error));
  for (size_t q = 0; q < nq; ++q) j["qdepth_q" + std::to_string(q)] = depth[q];
  if (final_doc) {
    auto x = nlohmann::json::object();
    for (auto& [name, value] : src.port->xstats()) x[name] = value;
    j["xstats"] = std::move(x);
  }
  return j;
}

int to_tel_data(const nlohmann::json& flat, rte_tel_data* d) {
  int ret = rte_tel_data_start_dict(d);
  if (ret != 0) return ret;
  for (const auto& [key, v] : flat.items()) {
    const char* k = key.c_str();
    if (v.is_number_unsigned()) {
      ret = rte_tel_data_add_dict_u64(d, k, v.get<uint64_t>());
    } else if (v.is_number_integer()) {
      ret = rte_tel_data_add_dict_int(d, k, static_cast<int>(v.get<int64_t>()));
    } else if (v.is_number_float()) {
      ret = rte_tel_data_add_dict_u64(d, k, static_cast<uint64_t>(std::llround(std::max(0.0, v.get<double>()))));
    } else if (v.is_boolean()) {
      ret = rte_tel_data_add_dict_int(d, k, v.get<bool>() ? 1 : 0);
    } else if (v.is_string()) {
      std::string s = v.get<std::string>().substr(0, RTE_TEL_MAX_STRING_LEN - 1);
      ret = rte_tel_data_add_dict_string(d, k, s.c_str());
    } else if (v.is_array()) {
      bool strings = !v.empty() && v.front().is_string();
      rte_tel_data* a = rte_tel_data_alloc();
      if (a == nullptr) return -ENOMEM;
      rte_tel_data_start_array(a, strings ? RTE_TEL_STRING_VAL : RTE_TEL_U64_VAL);
      size_t n = std::min<size_t>(v.size(), RTE_TEL_MAX_ARRAY_ENTRIES);
      for (size_t i = 0; i < n; ++i) {
        if (strings)
          rte_tel_data_add_array_string(a, v[i].get<std::string>().c_str());
        else
          rte_tel_data_add_array_u64(a, v[i].get<uint64_t>());
      }
      ret = rte_tel_data_add_dict_container(d, k, a, 0);
      if (ret != 0) rte_tel_data_free(a);
    } else {
      continue;  // nested objects: 22.11 nests one level only
    }
    if (ret != 0) return ret;
  }
  return 0;
}

Telemetry::Telemetry(StatsSource src, std::function<void()> on_stop) {
  std::lock_guard lock(g_mu);
  if (!g_registered) {
    if (int ret = rte_telemetry_register_cmd("/pathbench/stats", cmd_stats,
                                             "pathbench-dpdk counters, latency and queue depths. No parameters");
        ret != 0)
      core::throw_errno(-ret, "rte_telemetry_register_cmd(/pathbench/stats)");
    if (int ret = rte_telemetry_register_cmd("/pathbench/stop", cmd_stop, "Ends the pathbench-dpdk run. No parameters");
        ret != 0)
      core::throw_errno(-ret, "rte_telemetry_register_cmd(/pathbench/stop)");
    g_registered = true;
  }
  g_src = std::make_unique<const StatsSource>(std::move(src));
  g_on_stop = std::make_unique<std::function<void()>>(std::move(on_stop));
}

Telemetry::~Telemetry() {
  std::lock_guard lock(g_mu);
  g_src.reset();
  g_on_stop.reset();
}

}  // namespace pb::dpdk
