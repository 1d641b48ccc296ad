#include "xdp/xdp_verdict_loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <string>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "xdp/xdp_verdict.h"
#include "xdp/xdp_verdict.skel.h"

namespace pb::xdp {

using core::throw_errno;

const char* to_string(XdpVerdict v) {
  switch (v) {
    case XdpVerdict::kDrop: return "drop";
    case XdpVerdict::kPass: return "pass";
    case XdpVerdict::kTx: return "tx";
    case XdpVerdict::kRedirect: return "redirect";
  }
  return "?";
}

XdpVerdictCounts& XdpVerdictCounts::operator+=(const XdpVerdictCounts& o) {
  packets += o.packets;
  bytes += o.bytes;
  aborted += o.aborted;
  drop += o.drop;
  pass += o.pass;
  tx += o.tx;
  redirect += o.redirect;
  tagged += o.tagged;
  malformed += o.malformed;
  return *this;
}

XdpVerdictCounts& XdpVerdictCounts::operator-=(const XdpVerdictCounts& o) {
  packets -= o.packets;
  bytes -= o.bytes;
  aborted -= o.aborted;
  drop -= o.drop;
  pass -= o.pass;
  tx -= o.tx;
  redirect -= o.redirect;
  tagged -= o.tagged;
  malformed -= o.malformed;
  return *this;
}

XdpVerdictCounts XdpVerdictReading::rx_queue(uint32_t q) const {
  XdpVerdictCounts sum;
  for (const auto& cell : per_cpu_queue)
    if (cell.rx_queue == q) sum += cell.counts;
  return sum;
}

XdpVerdictReading delta(const XdpVerdictReading& before, const XdpVerdictReading& after) {
  XdpVerdictReading d;
  for (const auto& cell : after.per_cpu_queue) {
    XdpQueueCounts c = cell;
    auto it = std::find_if(before.per_cpu_queue.begin(), before.per_cpu_queue.end(),
                           [&](const XdpQueueCounts& b) { return b.cpu == cell.cpu && b.rx_queue == cell.rx_queue; });
    if (it != before.per_cpu_queue.end()) c.counts -= it->counts;
    if (c.counts.packets) d.per_cpu_queue.push_back(c);
  }
  d.total = after.total;
  d.total -= before.total;
  d.latency_buckets = after.latency_buckets;
  for (size_t i = 0; i < d.latency_buckets.size() && i < before.latency_buckets.size(); ++i)
    d.latency_buckets[i] -= before.latency_buckets[i];
  d.latency.add_bucket_counts(d.latency_buckets.data(), d.latency_buckets.size());
  return d;
}

namespace {

bpf_program* program_of(xdp_verdict_bpf* s, XdpVerdict v) {
  switch (v) {
    case XdpVerdict::kDrop: return s->progs.xdp_drop;
    case XdpVerdict::kPass: return s->progs.xdp_pass;
    case XdpVerdict::kTx: return s->progs.xdp_tx;
    case XdpVerdict::kRedirect: return s->progs.xdp_redirect;
  }
  return nullptr;
}

uint32_t id_of(int fd, const char* what) {
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  if (int err = bpf_obj_get_info_by_fd(fd, &info, &len); err) throw_errno(-err, std::string("read map info of ") + what);
  return info.id;
}

XdpVerdictCounts from_bpf(const pb_xv_counts& c) {
  XdpVerdictCounts o;
  o.packets = c.packets;
  o.bytes = c.bytes;
  o.aborted = c.verdict[PB_XV_ABORTED];
  o.drop = c.verdict[PB_XV_DROP];
  o.pass = c.verdict[PB_XV_PASS];
  o.tx = c.verdict[PB_XV_TX];
  o.redirect = c.verdict[PB_XV_REDIRECT];
  o.tagged = c.tagged;
  o.malformed = c.malformed;
  return o;
}

}  // namespace

XdpVerdictProgram::XdpVerdictProgram(const XdpVerdictConfig& cfg) : cfg_(cfg) {
  probes::route_libbpf_logs();
  ncpus_ = libbpf_num_possible_cpus();
  if (ncpus_ <= 0) throw_errno(-ncpus_, "count possible CPUs");
  if (cfg_.use_cpumap && cfg_.cpumap_cpu >= unsigned(ncpus_))
    throw core::UsageError("cpumap CPU " + std::to_string(cfg_.cpumap_cpu) + " is not a possible CPU (0.." +
                           std::to_string(ncpus_ - 1) + ")");
  if (cfg_.use_cpumap && cfg_.cpumap_qsize == 0) throw core::UsageError("cpumap queue size must be > 0");

  skel_.reset(xdp_verdict_bpf__open());
  if (!skel_) throw_errno("open BPF object xdp_verdict");
  skel_->rodata->use_cpumap = cfg_.use_cpumap ? 1 : 0;
  skel_->rodata->cpumap_cpu = cfg_.cpumap_cpu;
  if (int err = bpf_map__set_max_entries(skel_->maps.cpu_map, uint32_t(ncpus_)); err)
    throw_errno(-err, "size xdp_verdict cpu_map");
  bpf_program* chosen = program_of(skel_.get(), cfg_.verdict);
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) bpf_program__set_autoload(prog, prog == chosen);
  if (int err = xdp_verdict_bpf__load(skel_.get()); err)
    throw_errno(-err, std::string("load BPF program xdp_") + to_string(cfg_.verdict));

  if (cfg_.use_cpumap) {
    bpf_cpumap_val val{};
    val.qsize = cfg_.cpumap_qsize;
    val.bpf_prog.fd = 0;  // no second program on the remote CPU: frames go to the stack
    uint32_t key = cfg_.cpumap_cpu;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.cpu_map), &key, &val, 0) != 0)
      throw_errno("set cpumap entry for CPU " + std::to_string(key) + " (qsize " + std::to_string(val.qsize) + ")");
  }
}

XdpVerdictProgram::~XdpVerdictProgram() = default;

int XdpVerdictProgram::prog_fd() const { return bpf_program__fd(program_of(skel_.get(), cfg_.verdict)); }

uint32_t XdpVerdictProgram::prog_id() const {
  bpf_prog_info info{};
  uint32_t len = sizeof(info);
  if (int err = bpf_obj_get_info_by_fd(prog_fd(), &info, &len); err) throw_errno(-err, "read xdp_verdict program info");
  return info.id;
}

uint32_t XdpVerdictProgram::cpumap_id() const { return id_of(bpf_map__fd(skel_->maps.cpu_map), "cpu_map"); }
uint32_t XdpVerdictProgram::devmap_id() const { return id_of(bpf_map__fd(skel_->maps.tx_port), "tx_port"); }

void XdpVerdictProgram::set_redirect_ifindex(int ifindex) {
  uint32_t key = 0, val = uint32_t(ifindex);
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.tx_port), &key, &val, 0) != 0)
    throw_errno("set xdp redirect target to ifindex " + std::to_string(ifindex));
}

void XdpVerdictProgram::attach(int ifindex, XdpMode mode, int netns_fd) {
  core::NetnsGuard in_ns(netns_fd);
  attachment_.reset();
  if (cfg_.verdict == XdpVerdict::kRedirect && !cfg_.use_cpumap)
    set_redirect_ifindex(cfg_.redirect_ifindex ? cfg_.redirect_ifindex : ifindex);
  attachment_.emplace(XdpAttachment::attach(prog_fd(), ifindex, mode));
}

void XdpVerdictProgram::detach() { attachment_.reset(); }

XdpVerdictReading XdpVerdictProgram::read() const {
  XdpVerdictReading r;
  int counts_fd = bpf_map__fd(skel_->maps.counts);
  for (uint32_t q = 0; q < PB_XV_MAX_QUEUES; ++q) {
    auto per_cpu =
        probes::read_percpu<pb_xv_counts>(counts_fd, q, "xdp_verdict counters of rx queue " + std::to_string(q));
    for (size_t cpu = 0; cpu < per_cpu.size(); ++cpu) {
      const pb_xv_counts& c = per_cpu[cpu];
      if (!c.packets) continue;
      XdpQueueCounts cell{uint32_t(cpu), q, from_bpf(c)};
      r.total += cell.counts;
      r.per_cpu_queue.push_back(cell);
    }
  }
  std::sort(r.per_cpu_queue.begin(), r.per_cpu_queue.end(), [](const XdpQueueCounts& a, const XdpQueueCounts& b) {
    return a.cpu != b.cpu ? a.cpu < b.cpu : a.rx_queue < b.rx_queue;
  });

  r.latency_buckets = probes::sum_percpu_batch(bpf_map__fd(skel_->maps.latency), PB_HIST_NBUCKETS,
                                               "xdp_verdict latency histogram");
  r.latency.add_bucket_counts(r.latency_buckets.data(), r.latency_buckets.size());
  return r;
}

}  // namespace pb::xdp
