#include "bench/paths/packet_path.h"

#include "bench/core/log.h"
#include "bench/host/counters.h"
#include "bench/paths/trial_record.h"
#include "pb_config.h"

namespace pb::paths {


namespace {



// The kernel's own view of the trial: UDP and link counters in both namespaces. For the
// UDP paths, `udp_attributed` is what the UDP layer and the veth counted as dropped
// (a veth backlog drop is counted on the TG side as tx_dropped).
nlohmann::json kernel_view(const core::Topology& topo, const nlohmann::json& dut, const nlohmann::json& tg) {
  nlohmann::json k = {
      {"dut_udp_in_datagrams", host::counter_at(dut, {"snmp", "Udp", "InDatagrams"})},
      {"dut_udp_in_errors", host::counter_at(dut, {"snmp", "Udp", "InErrors"})},
      {"dut_udp_rcvbuf_errors", host::counter_at(dut, {"snmp", "Udp", "RcvbufErrors"})},
      {"dut_udp_no_ports", host::counter_at(dut, {"snmp", "Udp", "NoPorts"})},
      {"dut_ip_in_discards", host::counter_at(dut, {"snmp", "Ip", "InDiscards"})},
      {"dut_link_rx_packets", host::counter_at(dut, {"link", topo.dut_if().c_str(), "rx_packets"})},
      {"dut_link_rx_dropped", host::counter_at(dut, {"link", topo.dut_if().c_str(), "rx_dropped"})},
      {"tg_link_tx_packets", host::counter_at(tg, {"link", topo.tg_if().c_str(), "tx_packets"})},
      {"tg_link_tx_dropped", host::counter_at(tg, {"link", topo.tg_if().c_str(), "tx_dropped"})},
  };
  k["udp_attributed"] = k["dut_udp_in_errors"].get<uint64_t>() + k["dut_udp_no_ports"].get<uint64_t>() +
                        k["tg_link_tx_dropped"].get<uint64_t>();
  return k;
}

void add_into(std::vector<uint64_t>& sum, const std::vector<uint64_t>& v) {
  if (sum.size() < v.size()) sum.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
}

// How evenly packets spread over the RX queues: max/mean (1 = even) and Jain's fairness
// index (sum x)^2 / (n * sum x^2) (1 = even, 1/n = all on one queue).
nlohmann::json imbalance(const std::vector<uint64_t>& v) {
  double sum = 0, sum_sq = 0, max = 0;
  for (uint64_t x : v) {
    sum += double(x);
    sum_sq += double(x) * double(x);
    max = std::max(max, double(x));
  }
  if (v.empty() || sum == 0) return nlohmann::json::object();
  double n = double(v.size());
  return {{"max_over_mean", max / (sum / n)}, {"jain", sum * sum / (n * sum_sq)}};
}


}  // namespace

PacketPath::PacketPath(const core::Topology& topo, const traffic::GeneratorKind& generator,
                       core::TrafficEndpoints endpoints, std::unique_ptr<core::Receiver> receiver,
                       const core::ProbeSessionFactory& probes)
    : topo_(topo),
      generator_(generator),
      endpoints_(std::move(endpoints)),
      receiver_(std::move(receiver)),
      probe_factory_(probes) {
  set_probes(true);
  probe_status_ = probes_->status();
  nlohmann::json own = receiver_->probe_status();
  for (const auto& a : own["active"]) probe_status_["active"].push_back(a);
  for (const auto& u : own["unavailable"]) probe_status_["unavailable"].push_back(u);
}

void PacketPath::set_probes(bool on, bool run_time_stats) {
  if (probes_ && (!on || run_time_stats)) {
    if (nlohmann::json st = probes_->bpf_stats(); !st.is_null()) probe_stats_done_.push_back(st);
    probes_.reset();
  }
  if (on && !probes_) probes_ = probe_factory_.open(topo_, {.run_time_stats = run_time_stats});
}

nlohmann::json PacketPath::run_unrecorded_trial(const core::TrialRequest& req) {
  auto saved =
      std::make_tuple(latency_, sent_, delivered_, attributed_, drops_, unsent_, per_queue_, per_cpu_, sections_);
  nlohmann::json trial = run_trial(req);
  std::tie(latency_, sent_, delivered_, attributed_, drops_, unsent_, per_queue_, per_cpu_, sections_) =
      std::move(saved);
  return trial;
}

nlohmann::json PacketPath::probe_cost() const {
  // Sum per program over every probe set this scenario attached.
  std::map<std::string, std::pair<uint64_t, uint64_t>> per;  // name -> run_cnt, run_time_ns
  nlohmann::json all = probe_stats_done_;
  if (probes_)
    if (nlohmann::json st = probes_->bpf_stats(); !st.is_null()) all.push_back(st);
  if (all.is_null() || all.empty()) return nullptr;
  uint64_t total = 0, runs = 0;
  for (const auto& st : all)
    for (const auto& p : st["programs"]) {
      auto& [cnt, ns] = per[p["name"].get<std::string>()];
      cnt += p["run_cnt"].get<uint64_t>();
      ns += p["run_time_ns"].get<uint64_t>();
    }
  nlohmann::json progs = nlohmann::json::array();
  for (const auto& [name, v] : per) {
    progs.push_back({{"name", name}, {"run_cnt", v.first}, {"run_time_ns", v.second},
                     {"ns_per_run", v.first ? double(v.second) / double(v.first) : 0.0}});
    runs += v.first;
    total += v.second;
  }
  return {{"programs", progs}, {"run_cnt", runs}, {"run_time_ns", total}};
}

PacketPath::~PacketPath() = default;

nlohmann::json PacketPath::run_trial(const core::TrialRequest& req) {
  const host::SnapshotOptions dut_links{{topo_.dut_if()}}, tg_links{{topo_.tg_if()}};
  host::CounterSnapshot dut0 = host::take_snapshot_in(topo_.dut_netns(), dut_links);
  host::CounterSnapshot tg0 = host::take_snapshot_in(topo_.tg_netns(), tg_links);
  receiver_->begin_trial(req);
  if (probes_) probes_->begin_trial();
  core::TrialRequest gen_req = req;
  gen_req.avoid_cpus = receiver_->polling_cpus();
  std::unique_ptr<core::Generator> gen = generator_.make(endpoints_, gen_req);
  std::atomic<bool> local_stop{false};
  core::TxResult tx = gen->run(req.stop ? *req.stop : local_stop);
  core::RxResult rx = receiver_->end_trial(tx);
  host::CounterSnapshot dut1 = host::take_snapshot_in(topo_.dut_netns(), dut_links);
  host::CounterSnapshot tg1 = host::take_snapshot_in(topo_.tg_netns(), tg_links);
  nlohmann::json kernel = kernel_view(topo_, host::delta_json(dut0, dut1), host::delta_json(tg0, tg1));

  // Attributed drops: what the receiver knows (XDP verdicts, ring overflows) plus every
  // kfree_skb in the two namespaces.
  core::DropCounts trial_drops;
  for (const auto& d : rx.drops) trial_drops[{d.side, d.reason, d.where}] += d.count;
  std::string ledger_source = "receiver";
  if (probes_) {
    core::ProbeReading pr = probes_->end_trial(receiver_.get());
    for (const auto& [key, n] : pr.drops) trial_drops[key] += n;
    kernel.update(pr.kernel);
    sections_ = pr.sections;
    if (pr.saw_kfree_skb) ledger_source = "receiver+kfree_skb";
  }
  // The receiver's own queues (AF_XDP rings, DPDK RX queues) join the probe family's, in
  // this trial's record and in the scenario's sections (those of the last trial).
  for (const auto& [key, value] : rx.queues.items()) sections_["queues"][key] = value;
  if (ledger_source == "receiver") {
    // No probes: fall back to what the UDP layer and the veth counted.
    trial_drops[{"dut", "UDP_IN_ERRORS", "snmp Udp InErrors"}] += kernel["dut_udp_in_errors"].get<uint64_t>();
    trial_drops[{"dut", "UDP_NO_PORTS", "snmp Udp NoPorts"}] += kernel["dut_udp_no_ports"].get<uint64_t>();
    trial_drops[{"tg", "VETH_TX_DROPPED", "link tx_dropped"}] += kernel["tg_link_tx_dropped"].get<uint64_t>();
    ledger_source = "receiver+counters";
  }
  uint64_t attributed = 0;
  nlohmann::json rows = nlohmann::json::array(), unsent = nlohmann::json::array();
  for (const auto& [key, n] : trial_drops) {
    if (!n) continue;
    const auto& [side, reason, where] = key;
    // A drop in the TG's own qdisc is refused to the sender (ENOBUFS: the generators ask
    // for it with IP_RECVERR) and so never counted as sent: shown, but not in the ledger.
    if (side == "tg" && reason.rfind("QDISC", 0) == 0) {
      unsent.push_back(drop_row(side, reason, where, n));
      unsent_[key] += n;
      continue;
    }
    rows.push_back(drop_row(side, reason, where, n));
    attributed += n;
    drops_[key] += n;
  }
  uint64_t sent = tx.sent, delivered = rx.delivered;
  int64_t unaccounted = int64_t(sent) - int64_t(delivered) - int64_t(attributed);

  latency_.merge(rx.latency);
  sent_ += sent;
  delivered_ += delivered;
  attributed_ += attributed;
  add_into(per_queue_, rx.per_queue);
  rx_queues_from_receiver_ = rx.per_queue_is_rx_queue;
  add_into(per_cpu_, rx.per_cpu);

  double seconds = tx.elapsed_s > 0 ? tx.elapsed_s : req.duration_s;
  nlohmann::json trial = trial_head(req.offered_pps, seconds, sent, delivered);
  trial.update({
      {"tx_pps", tx.achieved_pps},
      {"send_errors", tx.send_errors},
      {"lost", rx.lost},
      {"reordered", rx.reordered},
      {"duplicates", rx.duplicates},
      {"malformed", rx.malformed},
      {"per_queue", rx.per_queue},
      {"per_cpu", rx.per_cpu},
      {"latency", core::to_json(rx.latency)},
      {"ledger", {{"source", ledger_source}, {"sent", sent}, {"delivered", delivered}, {"attributed", attributed},
                  {"unaccounted", unaccounted}}},
      {"drops", rows},
      {"unsent", unsent},
      {"kernel", kernel}});
  trial.update(rx.extra);
  trial.update(sections_);
  return trial;
}

nlohmann::json PacketPath::sections() const {
  nlohmann::json rows = drop_rows(drops_);
  int64_t unaccounted = int64_t(sent_) - int64_t(delivered_) - int64_t(attributed_);
  nlohmann::json per_queue = nlohmann::json::array(), per_cpu = nlohmann::json::array();
  for (size_t q = 0; q < per_queue_.size(); ++q) per_queue.push_back({{"queue", q}, {"packets", per_queue_[q]}});
  for (size_t c = 0; c < per_cpu_.size(); ++c) per_cpu.push_back({{"cpu", c}, {"packets", per_cpu_[c]}});
  nlohmann::json unsent = drop_rows(unsent_);
  nlohmann::json out = {
      {"latency", core::to_json(latency_)},
      {"drops", {{"ledger", {{"sent", sent_}, {"delivered", delivered_}, {"attributed", attributed_},
                             {"unaccounted", unaccounted}}},
                 {"by_reason", rows},
                 {"unsent", unsent}}},
      {"spread", {{"per_rx_queue", per_queue}, {"per_cpu", per_cpu}, {"imbalance", imbalance(per_queue_)}}},
      {"probes", {{"active", probe_status_["active"]},
                  {"unavailable", probe_status_["unavailable"]},
                  {"sampling", probe_status_.value("sampling", nlohmann::json(nullptr))},
                  {"overhead", {{"measured", false}, {"bpf", probe_cost()}}}}}};
  // The probe families' sections (of the last trial). The spread family's skb-side view
  // (birth queue and CPU, RPS) replaces the receiver's per-socket counts when it saw
  // packets; where the receiver counted RX queues itself (XDP, AF_XDP, DPDK) its counts stay
  // and the family's extras (RPS, NAPI) are added.
  for (const auto& [key, value] : sections_.items()) {
    if (key != "spread" || !value.is_object()) {
      out[key] = value;
      continue;
    }
    uint64_t seen = 0;
    for (const auto& q : value.value("per_rx_queue", nlohmann::json::array())) seen += q.value("packets", uint64_t(0));
    for (const auto& [k, v] : value.items())
      if ((seen && !rx_queues_from_receiver_) || (k != "per_rx_queue" && k != "per_cpu" && k != "imbalance"))
        out["spread"][k] = v;
  }
  return out;
}

}  // namespace pb::paths
