#include "kernel_probes/spread_probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <span>

#include "bench/core/errors.h"
#include "bench/core/imbalance.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/spread.h"
#include "kernel_probes/spread.skel.h"

namespace pb::probes {

using core::throw_errno;


SpreadProbe::SpreadProbe(const ProbeScope& scope) : scope_(scope) {
  route_libbpf_logs();
  skel_.reset(spread_bpf__open());
  if (!skel_) throw_errno("open BPF object spread");
  skel_->rodata->dut_netns_ino = scope.dut_netns_ino;
  skel_->rodata->dut_ifindex = scope.dut_ifindex;
  hooks_.prepare(skel_->obj);
  if (int err = spread_bpf__load(skel_.get()); err) throw_errno(-err, "load BPF object spread");
  hooks_.select(skel_->obj, false);
}

SpreadProbe::~SpreadProbe() { hooks_.detach(); }

void SpreadProbe::window_opened() { __atomic_add_fetch(&skel_->bss->window_gen, 1, __ATOMIC_SEQ_CST); }


void SpreadProbe::begin_trial() {
  zero_percpu<pb_spread_cell>(bpf_map__fd(skel_->maps.cells), PB_SPREAD_SLOTS, "spread cells");
  zero_percpu<pb_spread_totals>(bpf_map__fd(skel_->maps.totals), 1, "spread totals");
}

void SpreadProbe::end_trial(reports::Trial& into) {
  size_t ncpu = possible_cpus();
  std::vector<uint64_t> birth_cpu(ncpu), receive_cpu(ncpu), queue_births(PB_SPREAD_SLOTS);
  int cells_fd = bpf_map__fd(skel_->maps.cells);
  for (uint32_t slot = 0; slot < PB_SPREAD_SLOTS; ++slot) {
    auto per_cpu = read_percpu<pb_spread_cell>(cells_fd, slot, "spread cells");
    for (size_t cpu = 0; cpu < ncpu; ++cpu) {
      birth_cpu[cpu] += per_cpu[cpu].birth;
      receive_cpu[cpu] += per_cpu[cpu].receive;
      queue_births[slot] += per_cpu[cpu].birth;
    }
  }
  pb_spread_totals t{};
  for (const auto& c : read_percpu<pb_spread_totals>(bpf_map__fd(skel_->maps.totals), 0, "spread totals")) {
    t.rps_moved += c.rps_moved;
    t.receive_unmatched += c.receive_unmatched;
    t.napi_polls += c.napi_polls;
    t.napi_work += c.napi_work;
    t.napi_budget += c.napi_budget;
    t.napi_exhausted += c.napi_exhausted;
  }

  reports::Spread sp;
  for (size_t cpu = 0; cpu < ncpu; ++cpu)
    sp.per_cpu.push_back({.cpu = unsigned(cpu), .packets = {}, .birth = birth_cpu[cpu], .receive = receive_cpu[cpu]});
  // The queues that exist, plus any other queue that saw packets (a queue count change).
  unsigned nqueues = std::clamp(scope_.queues, 1u, unsigned(PB_SPREAD_MAX_QUEUES));
  for (unsigned q = 0; q < PB_SPREAD_MAX_QUEUES; ++q)
    if (q < nqueues || queue_births[q]) sp.per_rx_queue.push_back({q, queue_births[q]});
  sp.rx_queue_unrecorded = queue_births[PB_SPREAD_MAX_QUEUES];
  sp.rps_moved = t.rps_moved;
  sp.receive_unmatched = t.receive_unmatched;
  reports::Napi napi{t.napi_polls, t.napi_work, t.napi_exhausted, {}, {}};
  if (t.napi_polls) {
    napi.mean_work = double(t.napi_work) / double(t.napi_polls);
    napi.mean_budget = double(t.napi_budget) / double(t.napi_polls);
  }
  sp.napi = napi;
  std::span<const uint64_t> existing(queue_births.data(), nqueues);
  uint64_t total = 0;
  for (uint64_t c : existing) total += c;
  if (total == 0) {
    sp.imbalance.absent = "no packets with a recorded RX queue on the DUT device";
  } else {
    core::Imbalance im = core::imbalance_of(existing);
    sp.imbalance = {im.max_over_mean, im.jain, nqueues, {}};
  }
  into.spread = std::move(sp);
}

}  // namespace pb::probes
