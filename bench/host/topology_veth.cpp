#include "bench/host/topology_veth.h"

#include "bench/core/ethtool.h"
#include "bench/core/rtnl.h"
#include "bench/core/sysfs_guard.h"
#include "bench/host/counters.h"

namespace pb::host {

namespace {

nlohmann::json netns_undo(const std::string& name) { return {{"kind", "netns"}, {"name", name}}; }

// Per-netns knobs of a netns we own: it dies with the netns, so there is nothing to restore.
void quiet_netns(int netns_fd) {
  core::NetnsGuard in(netns_fd);
  core::write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
  core::write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
}

void add_peer_neighbour(int netns_fd, const std::string& ifname, const std::string& peer_ip,
                        const std::array<uint8_t, 6>& peer_mac) {
  core::NetnsGuard in(netns_fd);
  core::Rtnl nl;
  core::neigh_add_permanent(nl, core::ifindex_of(ifname), peer_ip, peer_mac, ifname);
}


}  // namespace

std::unique_ptr<core::ScopedNetns> VethTopology::make_netns(const std::string& name) {
  state_.record(netns_undo(name));
  try {
    auto ns = std::make_unique<core::ScopedNetns>(name);
    quiet_netns(ns->fd());
    return ns;
  } catch (...) {
    // ScopedNetns removed what it made; a name that was taken (EEXIST) is not ours.
    state_.forget(netns_undo(name));
    throw;
  }
}

VethTopology::VethTopology(RunState& state, const VethTopologyConfig& cfg) : state_(state), cfg_(cfg) {
  std::string base = "pb-" + state.run_id() + (cfg_.suffix.empty() ? "" : "-" + cfg_.suffix);
  tg_ = make_netns(base + "-tg");
  dut_ = make_netns(base + "-dut");
  core::VethConfig vc;
  vc.a = {kTgIf, tg_->fd(), std::string(kTgIp) + "/30"};
  vc.b = {kDutIf, dut_->fd(), std::string(kDutIp) + "/30"};
  vc.queues = cfg_.queues;
  veth_ = std::make_unique<core::VethPair>(vc);
  add_peer_neighbour(tg_->fd(), kTgIf, kDutIp, core::link_mac(kDutIf, dut_->fd()));
  add_peer_neighbour(dut_->fd(), kDutIf, kTgIp, core::link_mac(kTgIf, tg_->fd()));
  // GRO on the DUT end: veth then runs its NAPI path (real RX queues) and takes XDP frames
  // from the TG's live-frames generator even when the DUT has no XDP program.
  core::set_gro(dut_->fd(), kDutIf, true);
  core::set_tso(tg_->fd(), kTgIf, false);
  if (cfg_.redirect_pair) {
    core::VethConfig rc;
    rc.a = {kRedirectIf, dut_->fd(), ""};
    rc.b = {kRedirectPeerIf, dut_->fd(), ""};
    rc.queues = cfg_.queues;
    redirect_ = std::make_unique<core::VethPair>(rc);
  }
}

VethTopology::~VethTopology() {
  redirect_.reset();
  veth_.reset();
  for (auto* ns : {&dut_, &tg_}) {
    if (!*ns) continue;
    std::string name = (*ns)->name();
    ns->reset();
    state_.forget(netns_undo(name));
  }
}

core::TrafficEndpoints VethTopology::endpoints() const {
  core::TrafficEndpoints e;
  e.tg_netns = tg_->fd();
  e.tg_if = kTgIf;
  e.tg_ip = kTgIp;
  e.dut_ip = kDutIp;
  e.dut_mac = core::link_mac(kDutIf, dut_->fd());
  e.dut_port = kDutPort;
  e.tg_port_base = kTgPortBase;
  return e;
}

std::unique_ptr<core::CounterWatch> VethTopology::watch_counters(core::CounterScope scope) const {
  if (scope == core::CounterScope::kScenario)
    return std::make_unique<NetnsCounterWatch>(tg_->fd(), SnapshotOptions{}, dut_->fd(), SnapshotOptions{});
  return std::make_unique<NetnsCounterWatch>(tg_->fd(), SnapshotOptions{{tg_if_}, true, true, false}, dut_->fd(),
                                             SnapshotOptions{{dut_if_}, true, true, false});
}

reports::Topology VethTopology::describe() const {
  reports::Topology t;
  t.kind = "veth";
  t.queues = cfg_.queues;
  t.tg_netns = tg_->name();
  t.dut_netns = dut_->name();
  t.tg_if = kTgIf;
  t.dut_if = kDutIf;
  t.tg_ip = kTgIp;
  t.dut_ip = kDutIp;
  if (redirect_) t.redirect_if = std::string(kRedirectIf);
  t.dut_gro = true;
  t.tg_tso = false;
  return t;
}

}  // namespace pb::host
