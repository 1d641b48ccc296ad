#include "bench/paths/packet_path.h"

#include <map>
#include <utility>

#include "bench/core/imbalance.h"

namespace pb::paths {

namespace {

// The kernel's own view of the trial: UDP and link counters in both namespaces. For the
// UDP paths, `udp_attributed` is what the UDP layer and the veth counted as dropped
// (a veth backlog drop is counted on the TG side as tx_dropped).
reports::KernelView kernel_view(const core::Topology& topo, const reports::ScenarioCounters& c) {
  const reports::CounterDelta &dut = c.dut, &tg = c.tg;
  auto u = [](int64_t v) { return uint64_t(v); };
  reports::KernelView k;
  k.dut_udp_in_datagrams = u(dut.snmp("Udp", "InDatagrams"));
  k.dut_udp_in_errors = u(dut.snmp("Udp", "InErrors"));
  k.dut_udp_rcvbuf_errors = u(dut.snmp("Udp", "RcvbufErrors"));
  k.dut_udp_no_ports = u(dut.snmp("Udp", "NoPorts"));
  k.dut_ip_in_discards = u(dut.snmp("Ip", "InDiscards"));
  k.dut_link_rx_packets = u(dut.link(topo.dut_if(), "rx_packets"));
  k.dut_link_rx_dropped = u(dut.link(topo.dut_if(), "rx_dropped"));
  k.tg_link_tx_packets = u(tg.link(topo.tg_if(), "tx_packets"));
  k.tg_link_tx_dropped = u(tg.link(topo.tg_if(), "tx_dropped"));
  k.udp_attributed = *k.dut_udp_in_errors + *k.dut_udp_no_ports + *k.tg_link_tx_dropped;
  return k;
}

void add_into(std::vector<uint64_t>& sum, const std::vector<uint64_t>& v) {
  if (sum.size() < v.size()) sum.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
}

reports::Imbalance imbalance_of(const std::vector<uint64_t>& counts) {
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  if (total == 0) return {};
  core::Imbalance im = core::imbalance_of(counts);
  return {im.max_over_mean, im.jain, {}, {}};
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
  set_probes(true, false);
  probe_status_ = probes_->status();
  for (std::string& p : receiver_->own_programs()) probe_status_.active.push_back(std::move(p));
}

PacketPath::~PacketPath() = default;

void PacketPath::set_probes(bool on, bool run_time_stats) {
  if (probes_ && (!on || run_time_stats)) {
    if (auto cost = probes_->bpf_stats()) closed_costs_.push_back(*cost);
    probes_.reset();
  }
  if (on && !probes_) probes_ = probe_factory_.open(topo_, {.run_time_stats = run_time_stats});
}

reports::Nullable<reports::BpfCost> PacketPath::probe_cost() const {
  std::vector<reports::BpfCost> all = closed_costs_;
  if (probes_)
    if (auto cost = probes_->bpf_stats()) all.push_back(*cost);
  if (all.empty()) return {};
  // Sum per program over every session this scenario attached.
  std::map<std::string, std::pair<uint64_t, uint64_t>> per;  // name -> run_cnt, run_time_ns
  for (const auto& cost : all)
    for (const auto& p : cost.programs) {
      per[p.name].first += p.run_cnt;
      per[p.name].second += p.run_time_ns;
    }
  reports::BpfCost out;
  for (const auto& [name, v] : per) {
    out.programs.push_back({name, v.first, v.second, v.first ? double(v.second) / double(v.first) : 0.0});
    out.run_cnt += v.first;
    out.run_time_ns += v.second;
  }
  return out;
}

reports::Trial PacketPath::run_trial(const core::TrialRequest& req) { return trial(req, true); }

reports::Trial PacketPath::run_unrecorded_trial(const core::TrialRequest& req) { return trial(req, false); }

reports::Trial PacketPath::trial(const core::TrialRequest& req, bool record) {
  std::unique_ptr<core::CounterWatch> counters = topo_.watch_counters(core::CounterScope::kTrial);
  receiver_->begin_trial(req);
  if (probes_) probes_->begin_trial();
  core::TrialRequest gen_req = req;
  gen_req.avoid_cpus = receiver_->polling_cpus();
  std::unique_ptr<core::Generator> gen = generator_.make(endpoints_, gen_req);
  std::atomic<bool> local_stop{false};
  core::TxResult tx = gen->run(req.stop ? *req.stop : local_stop);
  core::RxResult rx = receiver_->end_trial(tx);

  reports::Trial t;
  t.kernel = kernel_view(topo_, counters->delta());
  // Attributed drops: what the receiver knows (XDP verdicts, ring overflows) plus every
  // kfree_skb in the two namespaces.
  core::DropCounts drops;
  for (const auto& d : rx.drops) drops[{d.side, d.reason, d.where}] += d.count;
  std::string source = "receiver";
  if (probes_) {
    core::ProbeReading pr = probes_->end_trial(receiver_.get(), t);
    for (const auto& [key, n] : pr.drops) drops[key] += n;
    if (pr.saw_kfree_skb) source = "receiver+kfree_skb";
  }
  // The receiver's own queues (AF_XDP rings, DPDK RX queues) join the probe family's.
  if (!rx.queues.empty()) {
    reports::Queues& queues = t.queues ? *t.queues : t.queues.emplace();
    for (auto& [key, value] : rx.queues) queues[key] = std::move(value);
  }
  if (source == "receiver") {
    // No probes: fall back to what the UDP layer and the veth counted.
    drops[{"dut", "UDP_IN_ERRORS", "snmp Udp InErrors"}] += *t.kernel.dut_udp_in_errors;
    drops[{"dut", "UDP_NO_PORTS", "snmp Udp NoPorts"}] += *t.kernel.dut_udp_no_ports;
    drops[{"tg", "VETH_TX_DROPPED", "link tx_dropped"}] += *t.kernel.tg_link_tx_dropped;
    source = "receiver+counters";
  }
  DropRows rows = drop_rows(drops);

  double seconds = tx.elapsed_s > 0 ? tx.elapsed_s : req.duration_s;
  set_counts(t, req.offered_pps, seconds, reports::kUnitPackets, tx.sent, rx.delivered);
  t.ledger = ledger_of(tx.sent, rx.delivered, rows.attributed_total);
  t.ledger.source = source;
  t.drops = std::move(rows.attributed);
  t.unsent = std::move(rows.unsent);
  t.tx_pps = tx.achieved_pps;
  t.send_errors = tx.send_errors;
  t.lost = rx.lost;
  t.reordered = rx.reordered;
  t.duplicates = rx.duplicates;
  t.malformed = rx.malformed;
  t.per_queue = rx.per_queue;
  t.per_cpu = rx.per_cpu;
  t.latency = core::summarize(rx.latency);
  t.xdp = std::move(rx.xdp);
  t.afxdp = std::move(rx.afxdp);
  t.dpdk = std::move(rx.dpdk);

  if (record) {
    totals_.add(t, rx.latency);
    add_into(per_queue_, rx.per_queue);
    add_into(per_cpu_, rx.per_cpu);
    rx_queues_from_receiver_ = rx.per_queue_is_rx_queue;
    last_ = t;
  }
  return t;
}

void PacketPath::finish(reports::Scenario& s) const {
  totals_.write(s);
  reports::Probes& probes = s.probes.emplace(probe_status_);
  probes.overhead.bpf = probe_cost();

  // The spread: the receiver's own counts per queue (or socket) and per CPU, unless the
  // spread family saw the packets at skb birth (their RX queue and CPU, with RPS) where the
  // receiver does not count RX queues itself; the family's RPS and NAPI figures either way.
  reports::Spread& spread = s.spread.emplace();
  for (size_t q = 0; q < per_queue_.size(); ++q) spread.per_rx_queue.push_back({unsigned(q), per_queue_[q]});
  for (size_t c = 0; c < per_cpu_.size(); ++c) spread.per_cpu.push_back({.cpu = unsigned(c), .packets = per_cpu_[c], .birth = {}, .receive = {}});
  spread.imbalance = imbalance_of(per_queue_);
  if (last_.spread) {
    const reports::Spread& family = *last_.spread;
    uint64_t seen = 0;
    for (const auto& q : family.per_rx_queue) seen += q.packets;
    if (seen && !rx_queues_from_receiver_) {
      spread.per_rx_queue = family.per_rx_queue;
      spread.per_cpu = family.per_cpu;
      spread.imbalance = family.imbalance;
    }
    spread.rx_queue_unrecorded = family.rx_queue_unrecorded;
    spread.rps_moved = family.rps_moved;
    spread.receive_unmatched = family.receive_unmatched;
    spread.napi = family.napi;
  }
  // The probe families' stages and queues, of the last trial.
  s.stages = last_.stages;
  s.queues = last_.queues;
}

}  // namespace pb::paths
