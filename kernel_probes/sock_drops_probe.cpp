#include "kernel_probes/sock_drops_probe.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "bench/core/errors.h"
#include "kernel_probes/drop_reasons.h"
#include "kernel_probes/libbpf_log.h"
#include "kernel_probes/sock_drops.h"
#include "kernel_probes/sock_drops.skel.h"

namespace pb::probes {

using core::throw_errno;

void SockDropsProbe::SkelDeleter::operator()(sock_drops_bpf* s) const { sock_drops_bpf__destroy(s); }

namespace {

// tp_btf/<event> needs the kernel's btf_trace_<event> typedef.
bool kernel_has_tracepoint(const btf* vmlinux, const std::string& event) {
  return vmlinux && btf__find_by_name_kind(vmlinux, ("btf_trace_" + event).c_str(), BTF_KIND_TYPEDEF) > 0;
}

std::string event_of(const bpf_program* prog) {
  std::string sec = bpf_program__section_name(prog);
  auto slash = sec.find('/');
  return slash == std::string::npos ? sec : sec.substr(slash + 1);
}

}  // namespace

SockDropsProbe::SockDropsProbe(uint32_t dut_netns_ino, uint32_t tg_netns_ino) {
  route_libbpf_logs();
  skel_.reset(sock_drops_bpf__open());
  if (!skel_) throw_errno("open BPF object sock_drops");
  skel_->rodata->netns_ino[PB_SD_DUT] = dut_netns_ino;
  skel_->rodata->netns_ino[PB_SD_TG] = tg_netns_ino;

  std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), &btf__free);
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    std::string event = event_of(prog);
    if (!kernel_has_tracepoint(vmlinux.get(), event)) {
      bpf_program__set_autoload(prog, false);
      unavailable_.push_back({"tp_btf/" + event, "no such tracepoint in this kernel's BTF"});
    }
  }
  if (int err = sock_drops_bpf__load(skel_.get()); err)
    throw_errno(-err, "load BPF object sock_drops");
  bpf_object__for_each_program(prog, skel_->obj) {
    if (!bpf_program__autoload(prog)) continue;
    std::string name = "tp_btf/" + event_of(prog);
    bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      unavailable_.push_back({name, std::string("attach: ") + std::strerror(errno)});
      continue;
    }
    links_.emplace_back(link);
    active_.push_back(name);
  }
}

SockDropsProbe::~SockDropsProbe() = default;

SockDropsReading SockDropsProbe::read() const {
  SockDropsReading r;
  int ncpu = libbpf_num_possible_cpus();
  std::vector<pb_sd_counts> per_cpu(size_t(std::max(ncpu, 1)));
  int counts_fd = bpf_map__fd(skel_->maps.counts);
  for (uint32_t side = 0; side < PB_SD_SIDES; ++side) {
    SockSideCounts& out = side == PB_SD_DUT ? r.dut : r.tg;
    if (bpf_map_lookup_elem(counts_fd, &side, per_cpu.data()) != 0) throw_errno("read sock_drops counts");
    for (const auto& c : per_cpu) {
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
