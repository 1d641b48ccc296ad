#include "kernel_probes/sock_drops_probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "bench/core/errors.h"
#include "kernel_probes/drop_reasons.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/sock_drops.h"
#include "kernel_probes/sock_drops.skel.h"

namespace pb::probes {

using core::throw_errno;

SockDropsProbe::SockDropsProbe(uint32_t dut_netns_ino, uint32_t tg_netns_ino, SockDropsHooks hooks) {
  route_libbpf_logs();
  skel_.reset(sock_drops_bpf__open());
  if (!skel_) throw_errno("open BPF object sock_drops");
  skel_->rodata->netns_ino[PB_SD_DUT] = dut_netns_ino;
  skel_->rodata->netns_ino[PB_SD_TG] = tg_netns_ino;

  auto& p = skel_->progs;
  for (bpf_program* prog : {p.sd_data_ready, p.sd_data_ready_raw, p.sd_recv_length, p.sd_recv_length_raw})
    bpf_program__set_autoload(prog, hooks.delivery);
  for (bpf_program* prog : {p.sd_fail_queue, p.sd_fail_queue_raw, p.sd_kfree_skb, p.sd_kfree_skb_raw, p.sd_kfree_skb_tp})
    bpf_program__set_autoload(prog, hooks.drops);
  hooks_.prepare(skel_->obj, hooks.first);
  if (int err = sock_drops_bpf__load(skel_.get()); err) throw_errno(-err, "load BPF object sock_drops");
  hooks_.select(skel_->obj, true);
}

SockDropsProbe::~SockDropsProbe() { hooks_.detach(); }

SockDropsReading SockDropsProbe::read() const {
  SockDropsReading r;
  int counts_fd = bpf_map__fd(skel_->maps.counts);
  for (uint32_t side = 0; side < PB_SD_SIDES; ++side) {
    SockSideCounts& out = side == PB_SD_DUT ? r.dut : r.tg;
    for (const auto& c : read_percpu<pb_sd_counts>(counts_fd, side, "sock_drops counts")) {
      out.queued += c.queued;
      out.read += c.read;
      out.read_bytes += c.read_bytes;
      out.fail_queue += c.fail_queue;
    }
  }
  static const DropReasons reasons = DropReasons::from_kernel();
  static const Kallsyms syms = Kallsyms::from_kernel();
  int drops_fd = bpf_map__fd(skel_->maps.drops);
  pb_sd_drop_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(drops_fd, prev, &next) == 0) {
    uint64_t count = 0;
    if (bpf_map_lookup_elem(drops_fd, &next, &count) == 0 && count)
      r.drops.push_back({next.side == PB_SD_DUT ? "dut" : "tg", reasons.name(next.reason), syms.resolve(next.location), count});
    key = next;
    prev = &key;
  }
  std::sort(r.drops.begin(), r.drops.end(), [](const DropCount& a, const DropCount& b) { return a.count > b.count; });
  return r;
}

}  // namespace pb::probes
