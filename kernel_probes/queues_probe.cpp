#include "kernel_probes/queues_probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "bench/core/errors.h"
#include "bench/core/files.h"
#include "bench/core/log.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/queues.h"
#include "kernel_probes/queues.skel.h"
#include "kernel_probes/spread_probe.h"

namespace pb::probes {

using core::throw_errno;

namespace {

constexpr const char* kSoftnetPath = "/proc/net/softnet_stat";
constexpr size_t kSoftnet = PB_Q_METRICS;  // index of the softnet series in series_


}  // namespace

std::optional<std::vector<uint64_t>> parse_softnet_backlog(std::string_view text) {
  std::vector<uint64_t> out;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    std::vector<std::string_view> cols;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      size_t j = line.find(' ', i);
      if (j == std::string_view::npos) j = line.size();
      if (j > i) cols.push_back(line.substr(i, j - i));
      i = j;
    }
    if (cols.empty()) continue;
    if (cols.size() < 13) return std::nullopt;
    std::string col(cols[11]);
    size_t used = 0;
    uint64_t v = 0;
    try {
      v = std::stoull(col, &used, 16);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != col.size()) throw std::runtime_error("softnet_stat: bad backlog column '" + col + "'");
    out.push_back(v);
  }
  return out;
}

QueuesProbe::QueuesProbe(const ProbeScope& scope) : scope_(scope), series_(PB_Q_METRICS + 1) {
  route_libbpf_logs();
  skel_.reset(queues_bpf__open());
  if (!skel_) throw_errno("open BPF object queues");
  skel_->rodata->tg_netns_ino = scope.tg_netns_ino;
  skel_->rodata->tg_ifindex = scope.tg_ifindex;
  skel_->rodata->dut_netns_ino = scope.dut_netns_ino;
  hooks_.prepare(skel_->obj);
  if (int err = queues_bpf__load(skel_.get()); err) throw_errno(-err, "load BPF object queues");
  hooks_.select(skel_->obj, false);

  try {
    auto backlog = parse_softnet_backlog(core::read_file(kSoftnetPath));
    softnet_has_backlog_ = backlog.has_value() && !backlog->empty();
    if (!softnet_has_backlog_) softnet_why_ = std::string(kSoftnetPath) + " has no backlog column (fewer than 13 columns)";
  } catch (const std::exception& e) {
    softnet_why_ = e.what();
  }
}

QueuesProbe::~QueuesProbe() {
  stop_sampler();
  hooks_.detach();
}

void QueuesProbe::begin_trial() {
  stop_sampler();
  zero_percpu<uint64_t>(bpf_map__fd(skel_->maps.hist), PB_Q_METRICS * PB_HIST_NBUCKETS, "queues histogram");
  zero_percpu<pb_q_recent>(bpf_map__fd(skel_->maps.recent), PB_Q_METRICS, "queues maxima");
  series_.assign(PB_Q_METRICS + 1, Series{});
  softnet_hist_ = core::Histogram();
  stop_ = false;
  sampler_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(kSampleMs), [this] { return stop_; })) {
      try {
        sample();
      } catch (const std::exception& e) {
        PB_WARN("queues sampler: {}", e.what());
      }
    }
  });
}

// Reads and resets the per-CPU "max since reset" of every BPF metric (an event that lands
// between the read and the reset of its CPU is lost to the series, never to the
// histogram), and reads the softnet backlog. Called with mu_ held.
void QueuesProbe::sample() {
  std::vector<pb_q_recent> zeros(possible_cpus());
  int recent_fd = bpf_map__fd(skel_->maps.recent);
  for (uint32_t m = 0; m < PB_Q_METRICS; ++m) {
    std::vector<pb_q_recent> per_cpu = read_percpu<pb_q_recent>(recent_fd, m, "queues maxima");
    if (bpf_map_update_elem(recent_fd, &m, zeros.data(), BPF_ANY) != 0) throw_errno("reset queues maxima");
    uint64_t events = 0, max = 0;
    for (const auto& r : per_cpu) {
      events += r.events;
      max = std::max<uint64_t>(max, r.max);
    }
    Series& s = series_[m];
    s.events += events;
    if (events) {
      s.points.push_back(max);
      s.max = std::max(s.max, max);
    } else {
      s.points.push_back(std::nullopt);
    }
  }
  if (softnet_has_backlog_) {
    auto backlog = parse_softnet_backlog(core::read_file(kSoftnetPath));
    Series& s = series_[kSoftnet];
    uint64_t max = 0;
    if (backlog)
      for (uint64_t b : *backlog) max = std::max(max, b);
    s.points.push_back(max);
    s.events++;
    s.max = std::max(s.max, max);
    softnet_hist_.record(max);
  }
}

void QueuesProbe::stop_sampler() {
  if (!sampler_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  sampler_.join();
  std::lock_guard lock(mu_);
  try {
    sample();  // the last, partial interval
  } catch (const std::exception& e) {
    PB_WARN("queues sampler: {}", e.what());
  }
}

namespace {

std::vector<reports::Nullable<uint64_t>> series_of(const std::vector<std::optional<uint64_t>>& points) {
  return {points.begin(), points.end()};
}

}  // namespace

reports::QueueResult QueuesProbe::bpf_metric(uint32_t metric, const char* unit, const std::string& hook,
                                             const char* why_none) const {
  if (std::string why = hooks_.problem(hook); !why.empty()) return reports::Absent{hook + " unavailable: " + why};
  std::vector<uint64_t> counts(PB_HIST_NBUCKETS);
  int hist_fd = bpf_map__fd(skel_->maps.hist);
  for (uint32_t b = 0; b < PB_HIST_NBUCKETS; ++b)
    counts[b] = sum_percpu(hist_fd, metric * PB_HIST_NBUCKETS + b, "queues histogram");
  core::Histogram h;
  h.add_bucket_counts(counts.data(), counts.size());
  if (h.empty()) return reports::Absent{why_none};
  // The sampler's exact maximum; the histogram's when events fell between read and reset.
  uint64_t max = series_[metric].max ? series_[metric].max : h.max();
  return core::queue_of(h, max, unit, kSampleMs, series_of(series_[metric].points));
}

void QueuesProbe::end_trial(reports::Trial& into) {
  stop_sampler();
  reports::Queues& out = into.queues.emplace();
  out["qdisc_qlen"] = bpf_metric(PB_Q_QDISC_QLEN, "packets", "qdisc_enqueue",
                                 "no qdisc_enqueue on the TG device in this trial (noqueue, e.g. veth's default, "
                                 "never enqueues; an idle qdisc is bypassed)");
  out["socket_rmem"] = bpf_metric(PB_Q_SOCK_RMEM, "bytes", "sk_data_ready",
                                  "no sk_data_ready on a UDP socket in the DUT netns in this trial");
  out["socket_rmem_permille"] = bpf_metric(PB_Q_SOCK_RMEM_PM, "permille", "sk_data_ready",
                                           "no sk_data_ready on a UDP socket in the DUT netns in this trial");
  if (!softnet_has_backlog_) {
    out["softnet_backlog"] = reports::Absent{softnet_why_};
  } else if (softnet_hist_.empty()) {
    out["softnet_backlog"] = reports::Absent{"the trial ended before the first sample"};
  } else {
    reports::Queue q = core::queue_of(softnet_hist_, series_[kSoftnet].max, "packets", kSampleMs,
                                      series_of(series_[kSoftnet].points));
    q.scope = "host-wide (softnet_stat is not per netns); max over CPUs per sample";
    out["softnet_backlog"] = std::move(q);
  }
}

}  // namespace pb::probes
