#include "bench/kernel_udp_path.h"

#include <fmt/core.h>

#include <map>
#include <tuple>

#include "bench/core/log.h"
#include "bench/counters.h"
#include "bench/udp_generator.h"
#include "bench/udp_sink.h"
#include "pb_config.h"
#if PB_HAVE_BPF
#include "kernel_probes/sock_drops_probe.h"
#endif

namespace pb::bench {

namespace {

using DropKey = std::tuple<std::string, std::string, std::string>;  // side, reason, where

#if PB_HAVE_BPF
std::map<DropKey, uint64_t> drop_map(const probes::SockDropsReading& r) {
  std::map<DropKey, uint64_t> m;
  for (const auto& d : r.drops) m[{d.side, d.reason, d.where}] += d.count;
  return m;
}
#endif

uint64_t counter(const nlohmann::json& delta, std::initializer_list<const char*> path) {
  const nlohmann::json* j = &delta;
  for (const char* key : path) {
    if (!j->is_object() || !j->contains(key)) return 0;
    j = &(*j)[key];
  }
  return j->is_number() ? j->get<uint64_t>() : 0;
}

double ratio(uint64_t part, uint64_t whole) { return whole ? double(part) / double(whole) : 0.0; }

}  // namespace

KernelUdpPath::KernelUdpPath(const VethTopology& topo, const KernelUdpConfig& cfg) : topo_(topo), cfg_(cfg) {
  probes_ = {{"active", nlohmann::json::array()}, {"unavailable", nlohmann::json::array()},
             {"overhead", {{"measured", false}}}};
  if (!cfg_.probes) return;
#if PB_HAVE_BPF
  try {
    probe_ = std::make_unique<probes::SockDropsProbe>(topo.dut_netns_inode(), topo.tg_netns_inode());
    for (const auto& a : probe_->active()) probes_["active"].push_back("sock_drops:" + a);
    for (const auto& u : probe_->unavailable())
      probes_["unavailable"].push_back({{"name", "sock_drops:" + u.name}, {"reason", u.reason}});
  } catch (const std::exception& e) {
    PB_WARN("sock_drops probe unavailable: {}", e.what());
    probes_["unavailable"].push_back({{"name", "sock_drops"}, {"reason", e.what()}});
  }
#else
  probes_["unavailable"].push_back({{"name", "sock_drops"}, {"reason", "built without BPF support"}});
#endif
}

KernelUdpPath::~KernelUdpPath() = default;

nlohmann::json KernelUdpPath::run_trial(const core::TrialRequest& req) {
  const SnapshotOptions dut_links{{VethTopology::kDutIf}}, tg_links{{VethTopology::kTgIf}};
  CounterSnapshot dut0 = take_snapshot_in(topo_.dut_netns(), dut_links);
  CounterSnapshot tg0 = take_snapshot_in(topo_.tg_netns(), tg_links);

  UdpSinkConfig sc;
  sc.netns_fd = topo_.dut_netns();
  sc.bind_ip = VethTopology::kDutIp;
  sc.port = kDutPort;
  sc.sockets = cfg_.queues;
  sc.expected_flows = req.flows;
  UdpSink sink(sc);
  sink.start();

#if PB_HAVE_BPF
  probes::SockDropsReading p0;
  if (probe_) p0 = probe_->read();
#endif

  UdpGeneratorConfig gc;
  gc.netns_fd = topo_.tg_netns();
  gc.src_ip = VethTopology::kTgIp;
  gc.dst_ip = VethTopology::kDutIp;
  gc.dst_port = kDutPort;
  gc.src_port_base = kTgPortBase;
  gc.flows = req.flows;
  gc.frame_size = req.frame_size;
  gc.rate_pps = req.offered_pps;
  gc.duration_s = req.duration_s;
  UdpGenerator gen(gc);
  std::atomic<bool> local_stop{false};
  UdpGeneratorResult tx = gen.run(req.stop ? *req.stop : local_stop);

  UdpSinkResult rx = sink.stop(/*drain=*/true);
  rx.set_expected(tx.flow_sent());
  CounterSnapshot dut1 = take_snapshot_in(topo_.dut_netns(), dut_links);
  CounterSnapshot tg1 = take_snapshot_in(topo_.tg_netns(), tg_links);
  nlohmann::json dut = delta_json(dut0, dut1), tg = delta_json(tg0, tg1);

  // The kernel's own view of the same datagrams.
  nlohmann::json kernel = {
      {"dut_udp_in_datagrams", counter(dut, {"snmp", "Udp", "InDatagrams"})},
      {"dut_udp_in_errors", counter(dut, {"snmp", "Udp", "InErrors"})},
      {"dut_udp_rcvbuf_errors", counter(dut, {"snmp", "Udp", "RcvbufErrors"})},
      {"dut_udp_no_ports", counter(dut, {"snmp", "Udp", "NoPorts"})},
      {"dut_ip_in_discards", counter(dut, {"snmp", "Ip", "InDiscards"})},
      {"dut_link_rx_packets", counter(dut, {"link", VethTopology::kDutIf, "rx_packets"})},
      {"dut_link_rx_dropped", counter(dut, {"link", VethTopology::kDutIf, "rx_dropped"})},
      {"tg_link_tx_packets", counter(tg, {"link", VethTopology::kTgIf, "tx_packets"})},
      {"tg_link_tx_dropped", counter(tg, {"link", VethTopology::kTgIf, "tx_dropped"})},
  };
  // Attributable without probes: what the UDP layer counted as dropped, plus what the
  // link dropped before IP (veth counts a backlog drop on the TG side as tx_dropped).
  uint64_t counter_attributed = kernel["dut_udp_in_errors"].get<uint64_t>() + kernel["dut_udp_no_ports"].get<uint64_t>() +
                                kernel["tg_link_tx_dropped"].get<uint64_t>();
  kernel["attributed"] = counter_attributed;

  uint64_t attributed = counter_attributed;
  std::string ledger_source = "counters";
  nlohmann::json by_reason = nlohmann::json::array();
#if PB_HAVE_BPF
  if (probe_) {
    probes::SockDropsReading p1 = probe_->read();
    kernel["bpf_udp_queued"] = p1.dut.queued - p0.dut.queued;
    kernel["bpf_udp_read"] = p1.dut.read - p0.dut.read;
    kernel["bpf_udp_fail_queue"] = p1.dut.fail_queue - p0.dut.fail_queue;
    auto before = drop_map(p0);
    attributed = 0;
    for (const auto& [key, count] : drop_map(p1)) {
      uint64_t d = count - before[key];
      if (!d) continue;
      const auto& [side, reason, where] = key;
      by_reason.push_back({{"side", side}, {"reason", reason}, {"where", where}, {"count", d}});
      attributed += d;
    }
    ledger_source = "kfree_skb";
  }
#endif
  uint64_t sent = tx.sent, delivered = rx.delivered;
  int64_t unaccounted = int64_t(sent) - int64_t(delivered) - int64_t(attributed);

  latency_.merge(rx.latency);
  sent_ += sent;
  delivered_ += delivered;
  attributed_ += attributed;
  for (auto& r : by_reason) by_reason_.push_back(r);

  uint64_t reordered = 0, duplicates = 0;
  for (const auto& f : rx.flows) {
    reordered += f.counts.reordered;
    duplicates += f.counts.duplicates;
  }
  double seconds = tx.elapsed_s > 0 ? tx.elapsed_s : req.duration_s;
  return {{"offered_pps", req.offered_pps},
          {"duration_s", seconds},
          {"sent", sent},
          {"delivered", delivered},
          {"loss_ratio", ratio(sent - std::min(sent, delivered), sent)},
          {"rx_pps", double(delivered) / seconds},
          {"tx_pps", tx.achieved_pps},
          {"send_errors", tx.send_errors},
          {"lost", rx.lost()},
          {"reordered", reordered},
          {"duplicates", duplicates},
          {"malformed", rx.malformed},
          {"per_socket_delivered", rx.per_socket},
          {"latency", core::to_json(rx.latency)},
          {"ledger", {{"source", ledger_source}, {"sent", sent}, {"delivered", delivered}, {"attributed", attributed},
                      {"unaccounted", unaccounted}}},
          {"drops", by_reason},
          {"kernel", kernel}};
}

nlohmann::json KernelUdpPath::sections() const {
  // Merge per-trial drop rows with the same (side, reason, where).
  std::map<DropKey, uint64_t> merged;
  for (const auto& r : by_reason_)
    merged[{r["side"], r["reason"], r["where"]}] += r["count"].get<uint64_t>();
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [key, count] : merged) {
    const auto& [side, reason, where] = key;
    rows.push_back({{"side", side}, {"reason", reason}, {"where", where}, {"count", count}});
  }
  int64_t unaccounted = int64_t(sent_) - int64_t(delivered_) - int64_t(attributed_);
  return {{"latency", core::to_json(latency_)},
          {"drops", {{"ledger", {{"sent", sent_}, {"delivered", delivered_}, {"attributed", attributed_},
                                 {"unaccounted", unaccounted}}},
                     {"by_reason", rows}}},
          {"probes", probes_}};
}

}  // namespace pb::bench
