#include "reports/metrics.h"

#include <fmt/format.h>

namespace pb::reports {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

void add_latency(std::map<std::string, double>& out, const std::string& prefix, const Latency& l,
                 bool with_p999) {
  if (l.count == 0) return;
  out[prefix + ".p50"] = double(l.p50);
  out[prefix + ".p99"] = double(l.p99);
  if (with_p999) out[prefix + ".p999"] = double(l.p999);
}

}  // namespace

MetricInfo metric_info(std::string_view name) {
  if (name == "throughput.rx_pps" || name == "throughput.ndr_pps" || name == "throughput.pdr_pps")
    return {true, true, false, "pps"};
  if (name == "throughput.loss_ratio") return {false, true, true, "ratio"};
  if (name == "drops.unaccounted") return {false, true, true, "ratio"};
  if (starts_with(name, "drops.")) return {false, false, true, "ratio"};
  if (name == "latency_at_fraction.0.5.p99") return {false, true, false, "ns"};
  if (starts_with(name, "latency") || starts_with(name, "stages.")) return {false, false, false, "ns"};
  if (name == "spread.imbalance.jain") return {true, false, false, ""};
  if (name == "spread.imbalance.max_over_mean") return {false, false, false, ""};
  if (name == "probes.overhead.cost") return {false, false, true, "ratio"};
  if (name == "probes.bpf.ns_per_packet") return {false, false, false, "ns"};
  return {false, false, false, ""};
}

std::map<std::string, double> scenario_metrics(const Scenario& s) {
  std::map<std::string, double> out;
  if (s.status != kStatusOk) return out;
  if (const auto& t = s.throughput) {
    out["throughput.rx_pps"] = t->rx_pps;
    out["throughput.loss_ratio"] = t->loss_ratio;
    if (t->ndr_pps) out["throughput.ndr_pps"] = *t->ndr_pps;
    if (t->pdr_pps) out["throughput.pdr_pps"] = *t->pdr_pps;
  }
  if (s.latency) add_latency(out, "latency", *s.latency, true);
  if (s.latency_at_fraction)
    for (const auto& f : *s.latency_at_fraction) add_latency(out, fmt::format("latency_at_fraction.{:g}", f.fraction), f.latency, false);
  if (s.stages)
    for (const auto& [stage, result] : *s.stages)
      if (const auto* l = std::get_if<Latency>(&result)) add_latency(out, "stages." + stage, *l, false);
  if (s.drops && s.drops->ledger.sent > 0) {
    double sent = double(s.drops->ledger.sent);
    out["drops.unaccounted"] = double(s.drops->ledger.unaccounted) / sent;
    std::map<std::string, uint64_t> by_reason;
    for (const auto& row : s.drops->by_reason) by_reason[row.reason] += row.count;
    for (const auto& [reason, count] : by_reason) out["drops." + reason] = double(count) / sent;
  }
  if (s.spread) {
    if (s.spread->imbalance.max_over_mean) out["spread.imbalance.max_over_mean"] = *s.spread->imbalance.max_over_mean;
    if (s.spread->imbalance.jain) out["spread.imbalance.jain"] = *s.spread->imbalance.jain;
  }
  if (s.probes) {
    const Overhead& o = s.probes->overhead;
    if (o.throughput) out["probes.overhead.cost"] = o.throughput->cost;
    if (o.bpf && s.throughput && s.throughput->sent > 0 && o.bpf->run_time_ns > 0)
      out["probes.bpf.ns_per_packet"] = double(o.bpf->run_time_ns) / double(s.throughput->sent);
  }
  return out;
}

bool zero_when_absent(const Scenario& s, std::string_view name) {
  return starts_with(name, "drops.") && s.status == kStatusOk && s.drops && s.drops->ledger.sent > 0;
}

std::vector<double> metric_values(const Scenario& s, const std::string& name) {
  if (s.repetitions) {
    auto it = s.repetitions->metrics.find(name);
    if (it != s.repetitions->metrics.end()) return it->second.values;
    return zero_when_absent(s, name) ? std::vector<double>(s.repetitions->count, 0.0) : std::vector<double>{};
  }
  auto m = scenario_metrics(s);
  auto it = m.find(name);
  if (it != m.end()) return {it->second};
  return zero_when_absent(s, name) ? std::vector<double>{0.0} : std::vector<double>{};
}

std::vector<std::string> metric_names(const Scenario& s) {
  std::vector<std::string> names;
  if (s.repetitions)
    for (const auto& [name, stats] : s.repetitions->metrics) names.push_back(name);
  else
    for (const auto& [name, value] : scenario_metrics(s)) names.push_back(name);
  return names;
}

std::string primary_metric(const Scenario& s) {
  return s.throughput && s.throughput->pdr_pps ? "throughput.pdr_pps" : "throughput.rx_pps";
}

}  // namespace pb::reports
