#include "kernel_probes/probe_set.h"

#include <fmt/format.h>

#include <algorithm>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/unique_fd.h"
#include "kernel_probes/probe_features.h"
#include "pb_config.h"
#if PB_HAVE_BPF
#include <bpf/bpf.h>

#include "kernel_probes/probe_family.h"
#include "kernel_probes/queues_probe.h"
#include "kernel_probes/sock_drops_probe.h"
#include "kernel_probes/spread_probe.h"
#include "kernel_probes/stages_probe.h"
#include "kernel_probes/window_sampler.h"
#include "kernel_probes/xdp_events_probe.h"
#endif

#include <charconv>

namespace pb::probes {

namespace {

// One probe family: its name (in --probes), what it shows, whether "default" includes it,
// and whether it costs on every packet (then it is attached in sampling windows).
struct FamilyInfo {
  std::string_view name;
  std::string_view doc;
  bool in_default;
  bool per_packet;
};

struct Family {
  FamilyInfo info;
#if PB_HAVE_BPF
  // Builds a per-packet family for a scope; null for the drop hooks, which ProbeSet keeps
  // attached for the whole run.
  std::unique_ptr<ProbeFamily> (*make)(const ProbeScope&);
#endif
};

// A family's row: per-packet families have a factory (without BPF support, no factory at all).
#if PB_HAVE_BPF
template <typename F>
std::unique_ptr<ProbeFamily> make_family(const ProbeScope& scope) {
  return std::make_unique<F>(scope);
}
#define PB_FAMILY(name, doc, in_default, F) {{name, doc, in_default, true}, &make_family<F>}
#define PB_DROP_FAMILY(name, doc, in_default) {{name, doc, in_default, false}, nullptr}
#else
#define PB_FAMILY(name, doc, in_default, F) {{name, doc, in_default, true}}
#define PB_DROP_FAMILY(name, doc, in_default) {{name, doc, in_default, false}}
#endif

const Family kFamilies[] = {
    PB_DROP_FAMILY("drops", "kfree_skb by reason and location, udp_fail_queue_rcv_skb, the xdp:* drop events", true),
    PB_DROP_FAMILY("udp_delivery", "per-datagram sk_data_ready/sock_recv_length counts, a cross-check of the sink",
                   false),
    PB_FAMILY("spread", "packets per (CPU, RX queue) at skb birth and receive, RPS moves, NAPI work, imbalance", true,
              SpreadProbe),
    PB_FAMILY("queues", "qdisc length, socket receive memory, softnet backlog: histograms and 100 ms series", true,
              QueuesProbe),
    PB_FAMILY("stages", "per-stage latency along the RX and TX paths", true, StagesProbe),
};
#undef PB_FAMILY
#undef PB_DROP_FAMILY

const Family* find_family(std::string_view name) {
  for (const Family& f : kFamilies)
    if (f.info.name == name) return &f;
  return nullptr;
}

}  // namespace


std::vector<std::string> default_probe_families() {
  std::vector<std::string> out;
  for (const Family& f : kFamilies)
    if (f.info.in_default) out.emplace_back(f.info.name);
  return out;
}

bool any_per_packet(const std::vector<std::string>& families) {
  for (const std::string& name : families)
    if (const Family* f = find_family(name); f && f->info.per_packet) return true;
  return false;
}

std::string probe_family_help() {
  std::string out;
  for (const Family& f : kFamilies)
    out += fmt::format("\n  {:<13}{}{}", f.info.name, f.info.doc, f.info.in_default ? "" : " (not in default)");
  return out;
}

std::vector<std::string> parse_probe_list(const std::string& text, const std::string& what) {
  std::vector<std::string> known;
  for (const Family& f : kFamilies) known.emplace_back(f.info.name);
  if (text.empty() || text == "default") return default_probe_families();
  if (text == "none") return {};
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name == "default") {
      for (const auto& d : default_probe_families()) add(d);
    } else if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw core::UsageError(fmt::format("{}: unknown probe family '{}' (known: default, none, {})", what, name,
                                         fmt::join(known, ", ")));
    } else {
      add(name);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  // Attach order is the known order, whatever order the list gave.
  std::vector<std::string> ordered;
  for (const auto& k : known)
    if (std::find(out.begin(), out.end(), k) != out.end()) ordered.push_back(k);
  return ordered;
}

ProbeSampling parse_probe_sampling(const std::string& text, const std::string& what) {
  if (text == "all") return {1, 1};
  auto bad = [&] {
    return core::UsageError(fmt::format(
        "{}: '{}' is not ACTIVE_MS/PERIOD_MS (0 < ACTIVE <= PERIOD <= 60000, e.g. 100/1000) or 'all'", what, text));
  };
  auto number = [](std::string_view s, unsigned& v) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
  };
  std::string_view t(text);
  size_t slash = t.find('/');
  ProbeSampling out;
  if (slash == std::string_view::npos || !number(t.substr(0, slash), out.active_ms) ||
      !number(t.substr(slash + 1), out.period_ms))
    throw bad();
  if (out.active_ms == 0 || out.period_ms > 60000 || out.active_ms > out.period_ms) throw bad();
  return out;
}

struct ProbeSet::Impl {
  explicit Impl(const core::Topology& t) : topo(t) {}
  const core::Topology& topo;
  reports::Probes status;
  bool udp_delivery = false;
  bool kfree_skb = false;  // the ledger's kernel source is attached
#if PB_HAVE_BPF
  core::UniqueFd stats_fd;  // BPF run-time stats are on while this is open
  std::unique_ptr<probes::SockDropsProbe> sock_drops;
  std::unique_ptr<probes::XdpEventsProbe> xdp_events;
  std::vector<std::unique_ptr<probes::ProbeFamily>> families;
  std::unique_ptr<probes::WindowSampler> sampler;  // after families: stops before they go
  probes::SockDropsReading p0;
  probes::XdpEventsReading e0;
  std::vector<std::pair<std::string, int>> programs;  // "family:hook" -> prog fd

  void add(const std::string& family, const std::string& hook, int prog_fd) {
    status.active.push_back(family + ":" + hook);
    programs.emplace_back(family + ":" + hook, prog_fd);
  }
  void add_unavailable(const std::string& family, const probes::ProbeUnavailable& u) {
    status.unavailable.push_back({family + ":" + u.name, u.reason});
  }
  void add_all(const std::string& family, const probes::AttachedPrograms& progs) {
    for (size_t i = 0; i < progs.active.size(); ++i) add(family, progs.active[i], progs.prog_fds[i]);
    for (const auto& u : progs.unavailable) add_unavailable(family, u);
  }
#endif
  void unavailable(const std::string& family, const std::string& why) {
    PB_WARN("{} probe unavailable: {}", family, why);
    status.unavailable.push_back({family, why});
  }
};

std::unique_ptr<core::ProbeSession> ProbeSetFactory::open(const core::Topology& topo,
                                                           const core::ProbeSessionOptions& session) const {
  return std::make_unique<ProbeSet>(topo, opts_, session);
}

ProbeSet::ProbeSet(const core::Topology& topo, const ProbeOptions& opts, const core::ProbeSessionOptions& session)
    : impl_(std::make_unique<Impl>(topo)) {
  const auto& families = opts.families;
  if (families.empty()) return;
  // The classic-tracepoint twins attach through tracefs.
  try {
    ensure_tracefs();
  } catch (const std::exception& e) {
    PB_WARN("probes: {}", e.what());
  }
  reports::Sampling& smp = impl_->status.sampling.emplace();
#if PB_HAVE_BPF
  Impl& m = *impl_;
  if (session.run_time_stats) {
    int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (fd >= 0) m.stats_fd.reset(fd);
    else m.unavailable("bpf_stats", fmt::format("BPF_ENABLE_STATS: {}", std::strerror(errno)));
  }
  auto want = [&](const char* f) { return std::find(families.begin(), families.end(), f) != families.end(); };
  // The drop hooks fire per drop, not per packet: always attached. udp_delivery counts
  // every datagram (a cross-check of the sink's own count), also always attached.
  if (want("drops") || want("udp_delivery")) {
    try {
      m.sock_drops = std::make_unique<probes::SockDropsProbe>(
          topo.dut_netns_inode(), topo.tg_netns_inode(),
          probes::SockDropsHooks{.drops = want("drops"), .delivery = want("udp_delivery")});
      m.udp_delivery = want("udp_delivery");
      // One object, two families: its hooks are shown under the family that asked for them.
      auto family_of = [](const std::string& hook) {
        bool delivery = hook.find("sk_data_ready") != std::string::npos || hook.find("sock_recv_length") != std::string::npos;
        return delivery ? "udp_delivery" : "drops";
      };
      const auto& progs = m.sock_drops->programs();
      for (size_t i = 0; i < progs.active.size(); ++i) {
        m.add(family_of(progs.active[i]), progs.active[i], progs.prog_fds[i]);
        m.kfree_skb |= progs.active[i].find("kfree_skb") != std::string::npos;
      }
      for (const auto& u : progs.unavailable) m.add_unavailable(family_of(u.name), u);
    } catch (const std::exception& e) {
      m.unavailable(want("drops") ? "drops" : "udp_delivery", e.what());
    }
  }
  if (want("drops")) {
    // XDP drops that never reach kfree_skb: exceptions, failed redirects (a full AF_XDP
    // ring in copy mode), XDP_TX and devmap transmit drops, on every link of the topology.
    try {
      probes::XdpEventsFilter filter;
      filter.ifs.push_back({uint32_t(topo.dut_ifindex()), topo.dut_netns_inode()});
      filter.ifs.push_back({uint32_t(topo.tg_ifindex()), topo.tg_netns_inode()});
      if (topo.redirect_ifindex()) filter.ifs.push_back({uint32_t(topo.redirect_ifindex()), topo.dut_netns_inode()});
      filter.redirect_hooks = topo.redirect_ifindex() != 0;
      m.xdp_events = std::make_unique<probes::XdpEventsProbe>(filter);
      m.add_all("drops", m.xdp_events->programs());
    } catch (const std::exception& e) {
      m.unavailable("drops (xdp events)", e.what());
    }
  }
  probes::ProbeScope scope{topo.dut_netns_inode(), topo.tg_netns_inode(), topo.dut_ifindex(), topo.tg_ifindex(),
                           topo.queues(), session.tcp};
  for (const Family& f : kFamilies) {
    std::string name(f.info.name);
    if (!f.make || !want(name.c_str())) continue;
    try {
      m.families.push_back(f.make(scope));
      m.add_all(name, m.families.back()->programs());
      smp.families.push_back(name);
    } catch (const std::exception& e) {
      m.unavailable(name, e.what());
    }
  }
  std::vector<probes::ProbeFamily*> sampled;
  for (auto& f : m.families) sampled.push_back(f.get());
  m.sampler = std::make_unique<probes::WindowSampler>(opts.sampling.active_ms, opts.sampling.period_ms, sampled);
#else
  (void)session;
  for (const auto& f : families) impl_->unavailable(f, "built without BPF support");
#endif
  smp.fraction = opts.sampling.fraction();
  if (opts.sampling.always()) {
    smp.mode = "always";
  } else {
    smp.mode = "windows";
    smp.active_ms = opts.sampling.active_ms;
    smp.period_ms = opts.sampling.period_ms;
  }
}

ProbeSet::~ProbeSet() = default;

reports::Probes ProbeSet::status() const { return impl_->status; }

void ProbeSet::begin_trial() {
#if PB_HAVE_BPF
  Impl& m = *impl_;
  if (m.sock_drops) m.p0 = m.sock_drops->read();
  if (m.xdp_events) m.e0 = m.xdp_events->read();
  for (auto& f : m.families) f->begin_trial();
  if (m.sampler) m.sampler->start();
#endif
}

core::ProbeReading ProbeSet::end_trial(const core::Receiver* receiver, reports::Trial& into) {
  core::ProbeReading r;
#if PB_HAVE_BPF
  Impl& m = *impl_;
  auto keep = [&](const std::string& side, const std::string& reason, const std::string& where, uint64_t n) {
    core::add_unless_accounted(r.drops, receiver, {side, reason, where, n});
  };
  if (m.sampler) m.sampler->stop();
  if (m.sock_drops) {
    probes::SockDropsReading p1 = m.sock_drops->read();
    if (m.udp_delivery) {
      into.kernel.bpf_udp_queued = p1.dut.queued - m.p0.dut.queued;
      into.kernel.bpf_udp_read = p1.dut.read - m.p0.dut.read;
    }
    into.kernel.bpf_udp_fail_queue = p1.dut.fail_queue - m.p0.dut.fail_queue;
    core::DropCounts before;
    for (const auto& d : m.p0.drops) before[{d.side, d.reason, d.where}] += d.count;
    for (const auto& d : p1.drops) keep(d.side, d.reason, d.where, d.count - before[{d.side, d.reason, d.where}]);
    r.saw_kfree_skb = m.kfree_skb;
  }
  if (m.xdp_events) {
    probes::XdpEventsReading ev = delta(m.e0, m.xdp_events->read());
    std::vector<reports::XdpEventRow>& rows = into.kernel.xdp_events.emplace();
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
      rows.push_back({d.ifindex, side, d.exceptions(), d.redirect_err, d.bulk_tx_sent, d.bulk_tx_drops,
                      d.devmap_xmit_sent, d.devmap_xmit_drops});
    }
    into.kernel.tg_refused = tg_refused;
  }
  for (auto& f : m.families) f->end_trial(into);
#else
  (void)receiver;
  (void)into;
#endif
  return r;
}

reports::Nullable<reports::BpfCost> ProbeSet::bpf_stats() const {
#if PB_HAVE_BPF
  if (!impl_->stats_fd) return {};
  reports::BpfCost cost;
  for (const auto& [name, fd] : impl_->programs) {
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
    cost.run_time_ns += info.run_time_ns;
    cost.run_cnt += info.run_cnt;
    cost.programs.push_back({name, info.run_cnt, info.run_time_ns,
                             info.run_cnt ? double(info.run_time_ns) / double(info.run_cnt) : 0.0});
  }
  return cost;
#else
  return {};
#endif
}

}  // namespace pb::probes
