#include "bench/probe_set.h"

#include <fmt/format.h>

#include <algorithm>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/unique_fd.h"
#include "pb_config.h"
#if PB_HAVE_BPF
#include <bpf/bpf.h>

#include "kernel_probes/probe_family.h"
#include "kernel_probes/queues_probe.h"
#include "kernel_probes/sock_drops_probe.h"
#include "kernel_probes/spread_probe.h"
#include "kernel_probes/stages_probe.h"
#include "kernel_probes/xdp_events_probe.h"
#endif

namespace pb::bench {

std::vector<std::string> known_probe_families() {
  return {"sock_drops", "xdp_events", "spread", "queues", "stages"};
}

std::vector<std::string> parse_probe_list(const std::string& text, const std::string& what) {
  std::vector<std::string> known = known_probe_families();
  if (text.empty() || text == "default") return known;
  if (text == "none") return {};
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw core::UsageError(fmt::format("{}: unknown probe family '{}' (known: default, none, {})", what, name,
                                         fmt::join(known, ", ")));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

struct ProbeSet::Impl {
  explicit Impl(const VethTopology& t) : topo(t) {}
  const VethTopology& topo;
  nlohmann::json status = {{"active", nlohmann::json::array()}, {"unavailable", nlohmann::json::array()}};
#if PB_HAVE_BPF
  core::UniqueFd stats_fd;  // BPF run-time stats are on while this is open
  std::unique_ptr<probes::SockDropsProbe> sock_drops;
  std::unique_ptr<probes::XdpEventsProbe> xdp_events;
  std::vector<std::unique_ptr<probes::ProbeFamily>> families;
  probes::SockDropsReading p0;
  probes::XdpEventsReading e0;
  std::vector<std::pair<std::string, int>> programs;  // "family:hook" -> prog fd

  void add(const std::string& family, const probes::AttachedPrograms& progs) {
    for (size_t i = 0; i < progs.active.size(); ++i) {
      status["active"].push_back(family + ":" + progs.active[i]);
      if (i < progs.prog_fds.size()) programs.emplace_back(family + ":" + progs.active[i], progs.prog_fds[i]);
    }
    for (const auto& u : progs.unavailable)
      status["unavailable"].push_back({{"name", family + ":" + u.name}, {"reason", u.reason}});
  }
#endif
  void unavailable(const std::string& family, const std::string& why) {
    PB_WARN("{} probe unavailable: {}", family, why);
    status["unavailable"].push_back({{"name", family}, {"reason", why}});
  }
};

ProbeSet::ProbeSet(const VethTopology& topo, const std::vector<std::string>& families, bool run_time_stats)
    : impl_(std::make_unique<Impl>(topo)) {
  if (families.empty()) return;
#if PB_HAVE_BPF
  Impl& m = *impl_;
  if (run_time_stats) {
    int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (fd >= 0) m.stats_fd.reset(fd);
    else m.unavailable("bpf_stats", fmt::format("BPF_ENABLE_STATS: {}", std::strerror(errno)));
  }
  auto want = [&](const char* f) { return std::find(families.begin(), families.end(), f) != families.end(); };
  if (want("sock_drops")) {
    try {
      m.sock_drops = std::make_unique<probes::SockDropsProbe>(topo.dut_netns_inode(), topo.tg_netns_inode());
      m.add("sock_drops", m.sock_drops->programs());
    } catch (const std::exception& e) {
      m.unavailable("sock_drops", e.what());
    }
  }
  if (want("xdp_events")) {
    // XDP drops that never reach kfree_skb: exceptions, failed redirects (a full AF_XDP
    // ring in copy mode), XDP_TX and devmap transmit drops, on every link of the topology.
    try {
      probes::XdpEventsFilter filter;
      filter.ifs.push_back({uint32_t(topo.dut_ifindex()), topo.dut_netns_inode()});
      filter.ifs.push_back({uint32_t(topo.tg_ifindex()), topo.tg_netns_inode()});
      if (topo.redirect_ifindex()) filter.ifs.push_back({uint32_t(topo.redirect_ifindex()), topo.dut_netns_inode()});
      filter.redirect_hooks = topo.redirect_ifindex() != 0;
      m.xdp_events = std::make_unique<probes::XdpEventsProbe>(filter);
      m.add("xdp_events", m.xdp_events->programs());
    } catch (const std::exception& e) {
      m.unavailable("xdp_events", e.what());
    }
  }
  probes::ProbeScope scope{topo.dut_netns_inode(), topo.tg_netns_inode(), topo.dut_ifindex(), topo.tg_ifindex(),
                           topo.queues()};
  auto family = [&](const char* name, auto make) {
    if (!want(name)) return;
    try {
      m.families.push_back(make());
      m.add(name, m.families.back()->programs());
    } catch (const std::exception& e) {
      m.unavailable(name, e.what());
    }
  };
  family("spread", [&] { return std::make_unique<probes::SpreadProbe>(scope); });
  family("queues", [&] { return std::make_unique<probes::QueuesProbe>(scope); });
  // Sampled: attached 50 ms of every 500 ms (always on, its hooks cost ~25 % of kernel-udp).
  family("stages", [&] { return std::make_unique<probes::StagesProbe>(scope); });
#else
  for (const auto& f : families) impl_->unavailable(f, "built without BPF support");
#endif
}

ProbeSet::~ProbeSet() = default;

nlohmann::json ProbeSet::status() const { return impl_->status; }

void ProbeSet::begin_trial() {
#if PB_HAVE_BPF
  Impl& m = *impl_;
  if (m.sock_drops) m.p0 = m.sock_drops->read();
  if (m.xdp_events) m.e0 = m.xdp_events->read();
  for (auto& f : m.families) f->begin_trial();
#endif
}

TrialProbeResult ProbeSet::end_trial(const Receiver& receiver) {
  TrialProbeResult r;
#if PB_HAVE_BPF
  Impl& m = *impl_;
  auto keep = [&](const std::string& side, const std::string& reason, const std::string& where, uint64_t n) {
    if (n && !receiver.accounts_for({side, reason, where, n})) r.drops[{side, reason, where}] += n;
  };
  if (m.sock_drops) {
    probes::SockDropsReading p1 = m.sock_drops->read();
    r.kernel["bpf_udp_queued"] = p1.dut.queued - m.p0.dut.queued;
    r.kernel["bpf_udp_read"] = p1.dut.read - m.p0.dut.read;
    r.kernel["bpf_udp_fail_queue"] = p1.dut.fail_queue - m.p0.dut.fail_queue;
    std::map<DropKey, uint64_t> before;
    for (const auto& d : m.p0.drops) before[{d.side, d.reason, d.where}] += d.count;
    for (const auto& d : p1.drops) keep(d.side, d.reason, d.where, d.count - before[{d.side, d.reason, d.where}]);
    r.saw_kfree_skb = true;
  }
  if (m.xdp_events) {
    probes::XdpEventsReading ev = delta(m.e0, m.xdp_events->read());
    nlohmann::json evj = nlohmann::json::array();
    uint64_t tg_refused = 0;
    for (const auto& d : ev.devs) {
      std::string side = d.netns_ino == m.topo.tg_netns_inode() ? "tg" : "dut";
      // XDP_ABORTED of a program the receiver owns is already in its own drops.
      keep(side, "XDP_EXCEPTION", "xdp:xdp_exception", d.exceptions() - d.exception[0]);
      keep(side, "XDP_REDIRECT_ERR", "xdp:xdp_redirect_err", d.redirect_err);
      keep(side, "XDP_TX_DROP", "xdp:xdp_bulk_tx", d.bulk_tx_drops);
      // On the TG, a devmap transmit drop is a live frame the DUT end refused: never sent
      // (sent counts the TG's tx_packets), so it belongs to the generator, not the ledger.
      if (side == "dut") keep(side, "XDP_DEVMAP_XMIT_DROP", "xdp:xdp_devmap_xmit", d.devmap_xmit_drops);
      else tg_refused += d.devmap_xmit_drops;
      evj.push_back({{"ifindex", d.ifindex}, {"side", side}, {"exceptions", d.exceptions()},
                     {"redirect_err", d.redirect_err}, {"bulk_tx_sent", d.bulk_tx_sent},
                     {"bulk_tx_drops", d.bulk_tx_drops}, {"devmap_xmit_sent", d.devmap_xmit_sent},
                     {"devmap_xmit_drops", d.devmap_xmit_drops}});
    }
    r.kernel["xdp_events"] = evj;
    r.kernel["tg_refused"] = tg_refused;
  }
  for (auto& f : m.families) r.sections[f->name()] = f->end_trial();
#else
  (void)receiver;
#endif
  return r;
}

nlohmann::json ProbeSet::bpf_stats() const {
  nlohmann::json progs = nlohmann::json::array();
  uint64_t total = 0, runs = 0;
#if PB_HAVE_BPF
  if (!impl_->stats_fd) return nullptr;
  for (const auto& [name, fd] : impl_->programs) {
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
    total += info.run_time_ns;
    runs += info.run_cnt;
    progs.push_back({{"name", name},
                     {"run_cnt", info.run_cnt},
                     {"run_time_ns", info.run_time_ns},
                     {"ns_per_run", info.run_cnt ? double(info.run_time_ns) / double(info.run_cnt) : 0.0}});
  }
#endif
  return {{"programs", progs}, {"run_time_ns", total}, {"run_cnt", runs}};
}

}  // namespace pb::bench
