#include "kernel_probes/xdp_events_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/xdp_events.h"
#include "kernel_probes/xdp_events.skel.h"

namespace pb::probes {

using core::throw_errno;

static_assert(PB_XE_ACT_SLOTS == kXdpActionNames.size(), "one name per xdp_exception slot");

uint64_t XdpDevEvents::exceptions() const {
  uint64_t n = 0;
  for (uint64_t v : exception) n += v;
  return n;
}

XdpDevEvents& XdpDevEvents::operator-=(const XdpDevEvents& o) {
  for (size_t i = 0; i < exception.size(); ++i) exception[i] -= o.exception[i];
  redirect_err -= o.redirect_err;
  bulk_tx_sent -= o.bulk_tx_sent;
  bulk_tx_drops -= o.bulk_tx_drops;
  bulk_tx_err -= o.bulk_tx_err;
  devmap_xmit_sent -= o.devmap_xmit_sent;
  devmap_xmit_drops -= o.devmap_xmit_drops;
  devmap_xmit_err -= o.devmap_xmit_err;
  return *this;
}

XdpCpumapEvents& XdpCpumapEvents::operator-=(const XdpCpumapEvents& o) {
  enqueue_calls -= o.enqueue_calls;
  enqueue_processed -= o.enqueue_processed;
  enqueue_drops -= o.enqueue_drops;
  kthread_calls -= o.kthread_calls;
  kthread_processed -= o.kthread_processed;
  kthread_drops -= o.kthread_drops;
  kthread_sched -= o.kthread_sched;
  kthread_xdp_pass -= o.kthread_xdp_pass;
  kthread_xdp_drop -= o.kthread_xdp_drop;
  kthread_xdp_redirect -= o.kthread_xdp_redirect;
  return *this;
}

XdpDevEvents XdpEventsReading::dev(uint32_t ifindex, uint32_t netns_ino) const {
  for (const auto& d : devs)
    if (d.ifindex == ifindex && (!netns_ino || d.netns_ino == netns_ino)) return d;
  XdpDevEvents none;
  none.ifindex = ifindex;
  none.netns_ino = netns_ino;
  return none;
}

XdpEventsReading delta(const XdpEventsReading& before, const XdpEventsReading& after) {
  XdpEventsReading d = after;
  for (auto& dev : d.devs)
    for (const auto& b : before.devs)
      if (b.ifindex == dev.ifindex && b.netns_ino == dev.netns_ino) dev -= b;
  d.cpumap -= before.cpumap;
  return d;
}

XdpEventsProbe::XdpEventsProbe(const XdpEventsFilter& filter) {
  if (filter.ifs.size() > PB_XE_MAX_FILTER_IFS)
    throw core::UsageError("xdp_events: at most " + std::to_string(PB_XE_MAX_FILTER_IFS) + " interfaces, got " +
                           std::to_string(filter.ifs.size()));
  route_libbpf_logs();
  if (int n = libbpf_num_possible_cpus(); n <= 0) throw_errno(-n, "count possible CPUs");
  skel_.reset(xdp_events_bpf__open());
  if (!skel_) throw_errno("open BPF object xdp_events");
  skel_->rodata->filter_n = uint32_t(filter.ifs.size());
  for (size_t i = 0; i < filter.ifs.size(); ++i) {
    // rodata is const volatile in the skeleton; the loader writes it before load.
    auto& slot = const_cast<pb_xe_dev_key&>(skel_->rodata->filter_ifs[i]);
    slot.ifindex = filter.ifs[i].ifindex;
    slot.netns_ino = filter.ifs[i].netns_ino;
  }
  skel_->rodata->cpumap_map_id = filter.cpumap_map_id;

  if (!filter.redirect_hooks) {
    for (bpf_program* p : {skel_->progs.xe_devmap_xmit, skel_->progs.xe_cpumap_enqueue, skel_->progs.xe_cpumap_kthread,
                           skel_->progs.xe_devmap_xmit_raw, skel_->progs.xe_cpumap_enqueue_raw,
                           skel_->progs.xe_cpumap_kthread_raw})
      bpf_program__set_autoload(p, false);
  }
  hooks_.prepare(skel_->obj);
  if (int err = xdp_events_bpf__load(skel_.get()); err) throw_errno(-err, "load BPF object xdp_events");
  hooks_.select(skel_->obj, true);
}

XdpEventsProbe::~XdpEventsProbe() { hooks_.detach(); }

XdpEventsReading XdpEventsProbe::read() const {
  XdpEventsReading r;
  auto add_dev = [&](const pb_xe_dev_key& key, const std::vector<pb_xe_dev_counts>& per_cpu) {
    XdpDevEvents d;
    d.ifindex = key.ifindex;
    d.netns_ino = key.netns_ino;
    for (const auto& c : per_cpu) {
      for (size_t i = 0; i < d.exception.size(); ++i) d.exception[i] += c.exception[i];
      d.redirect_err += c.redirect_err;
      d.bulk_tx_sent += c.bulk_tx_sent;
      d.bulk_tx_drops += c.bulk_tx_drops;
      d.bulk_tx_err += c.bulk_tx_err;
      d.devmap_xmit_sent += c.devmap_xmit_sent;
      d.devmap_xmit_drops += c.devmap_xmit_drops;
      d.devmap_xmit_err += c.devmap_xmit_err;
    }
    r.devs.push_back(d);
  };
  for_each_percpu<pb_xe_dev_key, pb_xe_dev_counts>(bpf_map__fd(skel_->maps.devs), "xdp_events device counters",
                                                   add_dev);
  std::sort(r.devs.begin(), r.devs.end(), [](const XdpDevEvents& a, const XdpDevEvents& b) {
    return a.netns_ino != b.netns_ino ? a.netns_ino < b.netns_ino : a.ifindex < b.ifindex;
  });

  int cpumap_fd = bpf_map__fd(skel_->maps.cpumap);
  for (const auto& c : read_percpu<pb_xe_cpumap_counts>(cpumap_fd, 0, "xdp_events cpumap counters")) {
    r.cpumap.enqueue_calls += c.enqueue_calls;
    r.cpumap.enqueue_processed += c.enqueue_processed;
    r.cpumap.enqueue_drops += c.enqueue_drops;
    r.cpumap.kthread_calls += c.kthread_calls;
    r.cpumap.kthread_processed += c.kthread_processed;
    r.cpumap.kthread_drops += c.kthread_drops;
    r.cpumap.kthread_sched += c.kthread_sched;
    r.cpumap.kthread_xdp_pass += c.kthread_xdp_pass;
    r.cpumap.kthread_xdp_drop += c.kthread_xdp_drop;
    r.cpumap.kthread_xdp_redirect += c.kthread_xdp_redirect;
  }
  return r;
}

}  // namespace pb::probes
