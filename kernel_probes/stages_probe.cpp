#include "kernel_probes/stages_probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstring>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "bench/core/log.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/stages.skel.h"

namespace pb::probes {

using core::throw_errno;

const std::array<const char*, PB_STG_COUNT> kStageNames = {
    "rx_birth_to_netif_receive",   "rx_netif_receive_to_data_ready", "rx_data_ready_to_recv",
    "tx_send_to_dev_queue",        "tx_dev_queue_to_qdisc_enqueue",  "tx_qdisc_sojourn",
    "tx_qdisc_dequeue_to_start_xmit", "tx_dev_queue_to_start_xmit",  "tx_start_xmit_to_xmit",
    "tcp_rx_netif_receive_to_tcp_rcv", "tcp_rx_tcp_rcv_to_copy",
};

namespace {

constexpr const char* kBirthEvents[] = {"napi_gro_receive_entry", "netif_receive_skb_entry",
                                        "netif_receive_skb_list_entry", "netif_rx"};

// The events bounding each stage, start first; "birth" stands for any of kBirthEvents.
struct StageHooks {
  const char* from;
  const char* to;
};
constexpr StageHooks kStageHooks[PB_STG_COUNT] = {
    {"birth", "netif_receive_skb"},          {"netif_receive_skb", "sk_data_ready"},
    {"sk_data_ready", "sock_recv_length"},   {"sock_send_length", "net_dev_queue"},
    {"net_dev_queue", "qdisc_enqueue"},      {"qdisc_enqueue", "qdisc_dequeue"},
    {"qdisc_dequeue", "net_dev_start_xmit"}, {"net_dev_queue", "net_dev_start_xmit"},
    {"net_dev_start_xmit", "net_dev_xmit"},  {"netif_receive_skb", "tcp_probe"},
    {"tcp_probe", "skb_copy_datagram_iovec"},
};

bool is_tcp(int stage) { return stage >= PB_STG_TCP_NETIF_RECEIVE_TO_TCP_RCV; }

// The events a kernel-tcp run hooks (the rest key on the UDP payload tag).
bool tcp_event(const std::string& event) {
  return event == "netif_receive_skb" || event == "tcp_probe" || event == "skb_copy_datagram_iovec";
}

bool is_rx(int stage) { return stage <= PB_STG_RX_DATA_READY_TO_RECV || stage >= PB_STG_TCP_NETIF_RECEIVE_TO_TCP_RCV; }

bool is_qdisc(int stage) {
  return stage == PB_STG_TX_DEV_QUEUE_TO_QDISC_ENQUEUE || stage == PB_STG_TX_QDISC_SOJOURN ||
         stage == PB_STG_TX_QDISC_DEQUEUE_TO_START_XMIT;
}

}  // namespace

StagesProbe::StagesProbe(const ProbeScope& scope, Flavour first) : scope_(scope) {
  route_libbpf_logs();
  skel_.reset(stages_bpf__open());
  if (!skel_) throw_errno("open BPF object stages");
  skel_->rodata->dut_netns_ino = scope.dut_netns_ino;
  skel_->rodata->tg_netns_ino = scope.tg_netns_ino;
  skel_->rodata->dut_ifindex = scope.dut_ifindex;
  skel_->rodata->tg_ifindex = scope.tg_ifindex;
  skel_->rodata->tcp_mode = scope.tcp ? 1 : 0;
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    std::string sec = bpf_program__section_name(prog);
    std::string event = sec.substr(sec.rfind('/') + 1);
    bool tcp_only = event == "tcp_probe" || event == "skb_copy_datagram_iovec";
    if (scope.tcp ? !tcp_event(event) : tcp_only) bpf_program__set_autoload(prog, false);
  }
  hooks_.prepare(skel_->obj, first);
  if (int err = stages_bpf__load(skel_.get()); err) throw_errno(-err, "load BPF object stages");
  auto syscall_entry = [](const std::string& event) { return event.rfind("sys_enter_", 0) == 0; };
  hooks_.select(skel_->obj, false, [&](const std::string& e) { return !syscall_entry(e); });
  trial_hooks_.select(skel_->obj, false, syscall_entry);
  for (const AttachedPrograms* p : {&hooks_.programs(), &trial_hooks_.programs()}) {
    all_.active.insert(all_.active.end(), p->active.begin(), p->active.end());
    all_.prog_fds.insert(all_.prog_fds.end(), p->prog_fds.begin(), p->prog_fds.end());
    all_.unavailable.insert(all_.unavailable.end(), p->unavailable.begin(), p->unavailable.end());
  }
  snapshot_ = read_totals();
}

StagesProbe::~StagesProbe() {
  hooks_.detach();
  trial_hooks_.detach();
}



void StagesProbe::window_opened() {
  __atomic_add_fetch(&skel_->bss->window_gen, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&skel_->bss->window_open, 1, __ATOMIC_SEQ_CST);
}

void StagesProbe::window_closing() { __atomic_store_n(&skel_->bss->window_open, 0, __ATOMIC_SEQ_CST); }

StagesProbe::Totals StagesProbe::read_totals() const {
  Totals t;
  t.buckets = sum_percpu_batch(bpf_map__fd(skel_->maps.hist), PB_STG_COUNT * PB_HIST_NBUCKETS,
                               "stages histograms (batch lookup)");
  t.misses.assign(PB_STG_COUNT, 0);
  int mfd = bpf_map__fd(skel_->maps.misses);
  for (uint32_t s = 0; s < PB_STG_COUNT; ++s) t.misses[s] = sum_percpu(mfd, s, "stages miss counters");
  return t;
}

void StagesProbe::begin_trial() {
  trial_hooks_.attach();
  snapshot_ = read_totals();
  skel_->bss->tx_qdisc_seen = 0;
  std::memset(skel_->bss->tx_root_qdisc, 0, sizeof(skel_->bss->tx_root_qdisc));
}

std::string StagesProbe::hook_problem(const std::string& event) const {
  if (event == "birth") {
    std::string all;
    for (const char* b : kBirthEvents) {
      std::string p = hook_problem(b);
      if (p.empty()) return "";
      all += (all.empty() ? "" : "; ") + p;
    }
    return all;
  }
  if (event.rfind("sys_enter_", 0) == 0) return trial_hooks_.problem(event);
  return hooks_.problem(event);
}

std::string StagesProbe::absent_reason(int stage, uint64_t misses) const {
  if (is_rx(stage) && !scope_.dut_netns_ino) return "no DUT namespace in the probe scope";
  if (!is_rx(stage) && !scope_.tg_netns_ino) return "no TG namespace in the probe scope";
  if (is_tcp(stage) && !scope_.tcp) return "kernel-tcp only (tcp:tcp_probe): not a TCP path";
  if (!is_tcp(stage) && scope_.tcp)
    return "not measured on kernel-tcp: keyed by the UDP payload tag, which a TCP byte stream does not carry";
  const StageHooks& h = kStageHooks[stage];
  for (const char* ev : {h.from, h.to})
    if (std::string p = hook_problem(ev); !p.empty()) return "tracepoint unavailable: " + p;
  if (is_qdisc(stage)) {
    std::string kind(skel_->bss->tx_root_qdisc, strnlen(skel_->bss->tx_root_qdisc, sizeof(skel_->bss->tx_root_qdisc)));
    if (kind == "noqueue") return "qdisc noqueue on the TG link: no enqueue/dequeue";
    if (!kind.empty())
      return "no qdisc_enqueue/dequeue for the run's packets: root qdisc " + kind +
             " was bypassed (empty queue) or did not queue them";
  }
  std::string why = std::string("no samples in this trial: no tagged packet of the run was matched from ") + h.from +
                    " to " + h.to;
  if (misses) why += " (" + std::to_string(misses) + " ends without a usable start)";
  return why + " while its hooks were attached (see probes.sampling)";
}

void StagesProbe::end_trial(reports::Trial& into) {
  trial_hooks_.detach();
  Totals now = read_totals();
  reports::Stages& out = into.stages.emplace();
  std::vector<uint64_t> delta(PB_HIST_NBUCKETS);
  for (int s = 0; s < PB_STG_COUNT; ++s) {
    uint64_t total = 0;
    for (uint32_t b = 0; b < PB_HIST_NBUCKETS; ++b) {
      size_t i = size_t(s) * PB_HIST_NBUCKETS + b;
      // A counter can only grow; a smaller value means the map was reset under us.
      delta[b] = now.buckets[i] >= snapshot_.buckets[i] ? now.buckets[i] - snapshot_.buckets[i] : now.buckets[i];
      total += delta[b];
    }
    uint64_t misses = now.misses[s] >= snapshot_.misses[s] ? now.misses[s] - snapshot_.misses[s] : now.misses[s];
    if (total == 0) {
      out[kStageNames[s]] = reports::Absent{absent_reason(s, misses)};
      continue;
    }
    core::Histogram h;
    h.add_bucket_counts(delta.data(), delta.size());
    out[kStageNames[s]] = core::summarize(h);
  }
  snapshot_ = std::move(now);
}

}  // namespace pb::probes
