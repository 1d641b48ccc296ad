#include "kernel_probes/stages_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "bench/core/log.h"
#include "kernel_probes/libbpf_log.h"
#include "kernel_probes/stages.skel.h"

namespace pb::probes {

using core::throw_errno;

const std::array<const char*, PB_STG_COUNT> kStageNames = {
    "rx_birth_to_netif_receive",   "rx_netif_receive_to_data_ready", "rx_data_ready_to_recv",
    "tx_send_to_dev_queue",        "tx_dev_queue_to_qdisc_enqueue",  "tx_qdisc_sojourn",
    "tx_qdisc_dequeue_to_start_xmit", "tx_dev_queue_to_start_xmit",  "tx_start_xmit_to_xmit",
};

void StagesProbe::SkelDeleter::operator()(stages_bpf* s) const { stages_bpf__destroy(s); }

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
    {"net_dev_start_xmit", "net_dev_xmit"},
};

bool is_rx(int stage) { return stage <= PB_STG_RX_DATA_READY_TO_RECV; }

bool is_qdisc(int stage) {
  return stage == PB_STG_TX_DEV_QUEUE_TO_QDISC_ENQUEUE || stage == PB_STG_TX_QDISC_SOJOURN ||
         stage == PB_STG_TX_QDISC_DEQUEUE_TO_START_XMIT;
}

struct Twin {
  bpf_program* btf = nullptr;     // tp_btf/<event>
  bpf_program* raw = nullptr;     // raw_tp/<event>
  bpf_program* classic = nullptr; // tracepoint/<category>/<event>
};

std::string after_last_slash(const std::string& s) { return s.substr(s.rfind('/') + 1); }

}  // namespace

StagesProbe::StagesProbe(const ProbeScope& scope, StagesConfig cfg) : scope_(scope), cfg_(cfg) {
  if (cfg_.period_ms == 0) throw core::UsageError("stages: sampling period_ms must be > 0");
  route_libbpf_logs();
  skel_.reset(stages_bpf__open());
  if (!skel_) throw_errno("open BPF object stages");
  skel_->rodata->dut_netns_ino = scope.dut_netns_ino;
  skel_->rodata->tg_netns_ino = scope.tg_netns_ino;
  skel_->rodata->dut_ifindex = scope.dut_ifindex;
  skel_->rodata->tg_ifindex = scope.tg_ifindex;
  select_programs();
  if (cfg_.always_on()) attach_window();
  snapshot_ = read_totals();
}

StagesProbe::~StagesProbe() {
  stop_sampler();
  links_.clear();
}

// Per hook: tp_btf when the kernel's BTF has btf_trace_<event> and the attach works, else
// the raw_tp twin; classic tracepoints (syscalls) as they are. Each choice is attached once
// here to learn what the kernel refuses, then detached (sampling attaches it again).
void StagesProbe::select_programs() {
  std::map<std::string, Twin> twins;
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    std::string sec = bpf_program__section_name(prog);
    std::string event = after_last_slash(sec);
    if (sec.rfind("tp_btf/", 0) == 0) twins[event].btf = prog;
    else if (sec.rfind("raw_tp/", 0) == 0) twins[event].raw = prog;
    else twins[event].classic = prog;
  }
  std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), &btf__free);
  std::map<std::string, std::string> btf_missing;
  for (auto& [event, t] : twins) {
    if (!t.btf) continue;
    bool present = vmlinux && btf__find_by_name_kind(vmlinux.get(), ("btf_trace_" + event).c_str(), BTF_KIND_TYPEDEF) > 0;
    if (!present || cfg_.raw_tp_only) {
      bpf_program__set_autoload(t.btf, false);
      btf_missing[event] = cfg_.raw_tp_only ? "skipped (raw_tp_only)"
                           : vmlinux        ? "no btf_trace_" + event + " in the kernel's BTF"
                                            : "no kernel BTF";
    }
  }
  if (int err = stages_bpf__load(skel_.get()); err) throw_errno(-err, "load BPF object stages");

  auto try_attach = [&](bpf_program* p, const std::string& shown, std::string& why) {
    bpf_link* link = bpf_program__attach(p);
    if (!link) {
      why = shown + ": " + std::strerror(errno);
      return false;
    }
    bpf_link__destroy(link);
    selected_.emplace_back(shown, p);
    programs_.active.push_back(shown);
    attached_fds_.push_back(bpf_program__fd(p));
    return true;
  };
  for (auto& [event, t] : twins) {
    std::string why_btf, why_raw;
    bool ok = false;
    if (t.classic) {
      std::string sec = bpf_program__section_name(t.classic);
      ok = try_attach(t.classic, sec, why_raw);
      hook_state_[event] = ok ? "" : why_raw;
      if (!ok) programs_.unavailable.push_back({sec, why_raw});
      continue;
    }
    if (t.btf && bpf_program__autoload(t.btf)) ok = try_attach(t.btf, "tp_btf/" + event, why_btf);
    else if (t.btf) why_btf = "tp_btf/" + event + ": " + btf_missing[event];
    if (!ok && t.raw) {
      if (!why_btf.empty()) PB_DEBUG("stages: {}; trying raw_tp", why_btf);
      ok = try_attach(t.raw, "raw_tp/" + event, why_raw);
    }
    if (ok) {
      hook_state_[event] = "";
    } else {
      std::string why = why_btf + (why_btf.empty() || why_raw.empty() ? "" : "; ") + why_raw;
      hook_state_[event] = why;
      programs_.unavailable.push_back({"tp_btf|raw_tp/" + event, why});
    }
  }
}

void StagesProbe::attach_window() {
  for (const auto& [shown, p] : selected_) {
    bpf_link* link = bpf_program__attach(p);
    if (!link) {
      PB_WARN("stages: attach {} for a sampling window: {}", shown, std::strerror(errno));
      continue;
    }
    links_.emplace_back(link);
  }
  __atomic_add_fetch(&skel_->bss->window_gen, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&skel_->bss->window_open, 1, __ATOMIC_SEQ_CST);
}

void StagesProbe::detach_window() {
  __atomic_store_n(&skel_->bss->window_open, 0, __ATOMIC_SEQ_CST);
  links_.clear();
}

// Windows of active_ms centred in each period_ms, until stop_.
void StagesProbe::sampler_main() {
  using std::chrono::milliseconds;
  const milliseconds lead((cfg_.period_ms - cfg_.active_ms) / 2);
  const milliseconds active(cfg_.active_ms);
  const milliseconds trail(cfg_.period_ms - cfg_.active_ms - (cfg_.period_ms - cfg_.active_ms) / 2);
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (cv_.wait_for(lock, lead, [&] { return stop_; })) break;
    attach_window();
    cv_.wait_for(lock, active, [&] { return stop_; });
    detach_window();
    if (stop_) break;
    cv_.wait_for(lock, trail, [&] { return stop_; });
  }
}

void StagesProbe::stop_sampler() {
  if (!sampler_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  sampler_.join();
}

double StagesProbe::sampled_fraction() const {
  return cfg_.always_on() ? 1.0 : double(cfg_.active_ms) / double(cfg_.period_ms);
}

std::vector<int> StagesProbe::prog_fds() const { return attached_fds_; }

StagesProbe::Totals StagesProbe::read_totals() const {
  Totals t;
  const uint32_t n = PB_STG_COUNT * PB_HIST_NBUCKETS;
  t.buckets.assign(n, 0);
  t.misses.assign(PB_STG_COUNT, 0);
  size_t ncpu = size_t(std::max(libbpf_num_possible_cpus(), 1));

  int fd = bpf_map__fd(skel_->maps.hist);
  std::vector<uint32_t> keys(n);
  std::vector<uint64_t> values(size_t(n) * ncpu);
  uint32_t out_batch = 0;
  uint32_t done = 0;
  bool first = true;
  // Array maps hand out every key in order; a batch ends with ENOENT after the last one.
  while (done < n) {
    uint32_t count = n - done;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &out_batch, &out_batch, keys.data() + done,
                                   values.data() + size_t(done) * ncpu, &count, &opts);
    first = false;
    if (err && errno != ENOENT) throw_errno("read stages histograms (batch lookup)");
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t k = keys[done + i];
      if (k >= n) continue;
      uint64_t sum = 0;
      for (size_t c = 0; c < ncpu; ++c) sum += values[size_t(done + i) * ncpu + c];
      t.buckets[k] = sum;
    }
    done += count;
    if (err || count == 0) break;
  }

  int mfd = bpf_map__fd(skel_->maps.misses);
  std::vector<uint64_t> per_cpu(ncpu);
  for (uint32_t s = 0; s < PB_STG_COUNT; ++s) {
    if (bpf_map_lookup_elem(mfd, &s, per_cpu.data()) != 0) throw_errno("read stages miss counters");
    for (uint64_t v : per_cpu) t.misses[s] += v;
  }
  return t;
}

void StagesProbe::begin_trial() {
  stop_sampler();
  snapshot_ = read_totals();
  skel_->bss->tx_qdisc_seen = 0;
  std::memset(skel_->bss->tx_root_qdisc, 0, sizeof(skel_->bss->tx_root_qdisc));
  if (cfg_.always_on()) return;
  stop_ = false;
  sampler_ = std::thread([this] { sampler_main(); });
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
  auto it = hook_state_.find(event);
  if (it == hook_state_.end()) return event + ": no program";
  return it->second;
}

std::string StagesProbe::absent_reason(int stage, uint64_t misses) const {
  if (is_rx(stage) && !scope_.dut_netns_ino) return "no DUT namespace in the probe scope";
  if (!is_rx(stage) && !scope_.tg_netns_ino) return "no TG namespace in the probe scope";
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
  if (!cfg_.always_on())
    why += "; programs attached " + std::to_string(cfg_.active_ms) + " ms of every " + std::to_string(cfg_.period_ms) + " ms";
  return why;
}

nlohmann::json StagesProbe::end_trial() {
  stop_sampler();
  Totals now = read_totals();
  nlohmann::json out = nlohmann::json::object();
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
      out[kStageNames[s]] = {{"absent", absent_reason(s, misses)}};
      continue;
    }
    core::Histogram h;
    h.add_bucket_counts(delta.data(), delta.size());
    out[kStageNames[s]] = core::to_json(h);
  }
  snapshot_ = std::move(now);
  return out;
}

}  // namespace pb::probes
