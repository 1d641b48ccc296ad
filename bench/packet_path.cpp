#include "bench/packet_path.h"

#include "bench/core/log.h"
#include "bench/counters.h"
#include "pb_config.h"
#if PB_HAVE_BPF
#include "kernel_probes/sock_drops_probe.h"
#include "kernel_probes/xdp_events_probe.h"
#endif

namespace pb::bench {

struct PacketPath::KernelProbes {
#if PB_HAVE_BPF
  std::unique_ptr<probes::SockDropsProbe> sock_drops;
  std::unique_ptr<probes::XdpEventsProbe> xdp_events;
#endif
};

namespace {

uint64_t counter(const nlohmann::json& delta, std::initializer_list<const char*> path) {
  const nlohmann::json* j = &delta;
  for (const char* key : path) {
    if (!j->is_object() || !j->contains(key)) return 0;
    j = &(*j)[key];
  }
  return j->is_number() ? j->get<uint64_t>() : 0;
}

double ratio(uint64_t part, uint64_t whole) { return whole ? double(part) / double(whole) : 0.0; }

// The kernel's own view of the trial: UDP and link counters in both namespaces. For the
// UDP paths, `udp_attributed` is what the UDP layer and the veth counted as dropped
// (a veth backlog drop is counted on the TG side as tx_dropped).
nlohmann::json kernel_view(const nlohmann::json& dut, const nlohmann::json& tg) {
  nlohmann::json k = {
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

nlohmann::json drop_row(const std::string& side, const std::string& reason, const std::string& where, uint64_t n) {
  return {{"side", side}, {"reason", reason}, {"where", where}, {"count", n}};
}

}  // namespace

PacketPath::PacketPath(const VethTopology& topo, GeneratorFactory generator, std::unique_ptr<Receiver> receiver,
                       bool probes)
    : topo_(topo),
      make_generator_(std::move(generator)),
      receiver_(std::move(receiver)),
      probes_on_(std::make_unique<KernelProbes>()) {
  probes_ = receiver_->probe_status();
  probes_["overhead"] = {{"measured", false}};
  if (!probes) return;
#if PB_HAVE_BPF
  try {
    probes_on_->sock_drops = std::make_unique<probes::SockDropsProbe>(topo.dut_netns_inode(), topo.tg_netns_inode());
    for (const auto& a : probes_on_->sock_drops->active()) probes_["active"].push_back("sock_drops:" + a);
    for (const auto& u : probes_on_->sock_drops->unavailable())
      probes_["unavailable"].push_back({{"name", "sock_drops:" + u.name}, {"reason", u.reason}});
  } catch (const std::exception& e) {
    PB_WARN("sock_drops probe unavailable: {}", e.what());
    probes_["unavailable"].push_back({{"name", "sock_drops"}, {"reason", e.what()}});
  }
  // XDP drops that never reach kfree_skb: exceptions, failed redirects (a full AF_XDP ring
  // in copy mode), XDP_TX and devmap transmit drops, on every link of the topology.
  try {
    probes::XdpEventsFilter filter;
    filter.ifs.push_back({uint32_t(topo.dut_ifindex()), topo.dut_netns_inode()});
    filter.ifs.push_back({uint32_t(topo.tg_ifindex()), topo.tg_netns_inode()});
    if (topo.redirect_ifindex()) filter.ifs.push_back({uint32_t(topo.redirect_ifindex()), topo.dut_netns_inode()});
    probes_on_->xdp_events = std::make_unique<probes::XdpEventsProbe>(filter);
    for (const auto& a : probes_on_->xdp_events->active()) probes_["active"].push_back("xdp_events:" + a);
    for (const auto& u : probes_on_->xdp_events->unavailable())
      probes_["unavailable"].push_back({{"name", "xdp_events:" + u.name}, {"reason", u.reason}});
  } catch (const std::exception& e) {
    PB_WARN("xdp_events probe unavailable: {}", e.what());
    probes_["unavailable"].push_back({{"name", "xdp_events"}, {"reason", e.what()}});
  }
#else
  probes_["unavailable"].push_back({{"name", "sock_drops"}, {"reason", "built without BPF support"}});
#endif
}

PacketPath::~PacketPath() = default;

nlohmann::json PacketPath::run_trial(const core::TrialRequest& req) {
  const SnapshotOptions dut_links{{VethTopology::kDutIf}}, tg_links{{VethTopology::kTgIf}};
  CounterSnapshot dut0 = take_snapshot_in(topo_.dut_netns(), dut_links);
  CounterSnapshot tg0 = take_snapshot_in(topo_.tg_netns(), tg_links);
  receiver_->begin_trial(req);
#if PB_HAVE_BPF
  probes::SockDropsReading p0;
  if (probes_on_->sock_drops) p0 = probes_on_->sock_drops->read();
  probes::XdpEventsReading e0;
  if (probes_on_->xdp_events) e0 = probes_on_->xdp_events->read();
#endif
  core::TrialRequest gen_req = req;
  gen_req.avoid_cpus = receiver_->polling_cpus();
  std::unique_ptr<Generator> gen = make_generator_(gen_req);
  std::atomic<bool> local_stop{false};
  TxResult tx = gen->run(req.stop ? *req.stop : local_stop);
  RxResult rx = receiver_->end_trial(tx);
  CounterSnapshot dut1 = take_snapshot_in(topo_.dut_netns(), dut_links);
  CounterSnapshot tg1 = take_snapshot_in(topo_.tg_netns(), tg_links);
  nlohmann::json kernel = kernel_view(delta_json(dut0, dut1), delta_json(tg0, tg1));

  // Attributed drops: what the receiver knows (XDP verdicts, ring overflows) plus every
  // kfree_skb in the two namespaces.
  std::map<DropKey, uint64_t> trial_drops;
  for (const auto& d : rx.drops) trial_drops[{d.side, d.reason, d.where}] += d.count;
  std::string ledger_source = "receiver";
#if PB_HAVE_BPF
  if (probes_on_->sock_drops) {
    probes::SockDropsReading p1 = probes_on_->sock_drops->read();
    kernel["bpf_udp_queued"] = p1.dut.queued - p0.dut.queued;
    kernel["bpf_udp_read"] = p1.dut.read - p0.dut.read;
    kernel["bpf_udp_fail_queue"] = p1.dut.fail_queue - p0.dut.fail_queue;
    std::map<DropKey, uint64_t> before;
    for (const auto& d : p0.drops) before[{d.side, d.reason, d.where}] += d.count;
    for (const auto& d : p1.drops) {
      if (receiver_->accounts_for({d.side, d.reason, d.where, d.count})) continue;
      DropKey key{d.side, d.reason, d.where};
      if (uint64_t n = d.count - before[key]) trial_drops[key] += n;
    }
    ledger_source = "receiver+kfree_skb";
  }
  if (probes_on_->xdp_events) {
    probes::XdpEventsReading ev = delta(e0, probes_on_->xdp_events->read());
    std::map<DropKey, uint64_t> events;
    nlohmann::json evj = nlohmann::json::array();
    uint64_t tg_refused = 0;
    for (const auto& d : ev.devs) {
      std::string side = d.netns_ino == topo_.tg_netns_inode() ? "tg" : "dut";
      // XDP_ABORTED of a program the receiver owns is already in its own drops.
      events[{side, "XDP_EXCEPTION", "xdp:xdp_exception"}] += d.exceptions() - d.exception[0];
      events[{side, "XDP_REDIRECT_ERR", "xdp:xdp_redirect_err"}] += d.redirect_err;
      events[{side, "XDP_TX_DROP", "xdp:xdp_bulk_tx"}] += d.bulk_tx_drops;
      // On the TG, a devmap transmit drop is a live frame the DUT end refused: never sent
      // (sent counts the TG's tx_packets), so it belongs to the generator, not the ledger.
      if (side == "dut") events[{side, "XDP_DEVMAP_XMIT_DROP", "xdp:xdp_devmap_xmit"}] += d.devmap_xmit_drops;
      else tg_refused += d.devmap_xmit_drops;
      evj.push_back({{"ifindex", d.ifindex}, {"side", side}, {"exceptions", d.exceptions()},
                     {"redirect_err", d.redirect_err}, {"bulk_tx_sent", d.bulk_tx_sent},
                     {"bulk_tx_drops", d.bulk_tx_drops}, {"devmap_xmit_sent", d.devmap_xmit_sent},
                     {"devmap_xmit_drops", d.devmap_xmit_drops}});
    }
    for (const auto& [key, n] : events) {
      const auto& [side, reason, where] = key;
      if (n && !receiver_->accounts_for({side, reason, where, n})) trial_drops[key] += n;
    }
    kernel["xdp_events"] = evj;
    kernel["tg_refused"] = tg_refused;
  }
#endif
  if (ledger_source == "receiver") {
    // No probes: fall back to what the UDP layer and the veth counted.
    trial_drops[{"dut", "UDP_IN_ERRORS", "snmp Udp InErrors"}] += kernel["dut_udp_in_errors"].get<uint64_t>();
    trial_drops[{"dut", "UDP_NO_PORTS", "snmp Udp NoPorts"}] += kernel["dut_udp_no_ports"].get<uint64_t>();
    trial_drops[{"tg", "VETH_TX_DROPPED", "link tx_dropped"}] += kernel["tg_link_tx_dropped"].get<uint64_t>();
    ledger_source = "receiver+counters";
  }
  uint64_t attributed = 0;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [key, n] : trial_drops) {
    if (!n) continue;
    const auto& [side, reason, where] = key;
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
  add_into(per_cpu_, rx.per_cpu);

  double seconds = tx.elapsed_s > 0 ? tx.elapsed_s : req.duration_s;
  nlohmann::json trial = {
      {"offered_pps", req.offered_pps},
      {"duration_s", seconds},
      {"sent", sent},
      {"delivered", delivered},
      {"loss_ratio", ratio(sent - std::min(sent, delivered), sent)},
      {"rx_pps", double(delivered) / seconds},
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
      {"kernel", kernel}};
  trial.update(rx.extra);
  return trial;
}

nlohmann::json PacketPath::sections() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [key, n] : drops_) {
    const auto& [side, reason, where] = key;
    rows.push_back(drop_row(side, reason, where, n));
  }
  int64_t unaccounted = int64_t(sent_) - int64_t(delivered_) - int64_t(attributed_);
  nlohmann::json per_queue = nlohmann::json::array(), per_cpu = nlohmann::json::array();
  for (size_t q = 0; q < per_queue_.size(); ++q) per_queue.push_back({{"queue", q}, {"packets", per_queue_[q]}});
  for (size_t c = 0; c < per_cpu_.size(); ++c) per_cpu.push_back({{"cpu", c}, {"packets", per_cpu_[c]}});
  return {{"latency", core::to_json(latency_)},
          {"drops", {{"ledger", {{"sent", sent_}, {"delivered", delivered_}, {"attributed", attributed_},
                                 {"unaccounted", unaccounted}}},
                     {"by_reason", rows}}},
          {"spread", {{"per_rx_queue", per_queue}, {"per_cpu", per_cpu}, {"imbalance", imbalance(per_queue_)}}},
          {"probes", probes_}};
}

}  // namespace pb::bench
