#include "kernel_probes/probe_attach.h"

#include <bpf/btf.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace pb::probes {

namespace {

std::string event_of(const bpf_program* prog) {
  std::string sec = bpf_program__section_name(prog);
  auto slash = sec.find('/');
  return slash == std::string::npos ? sec : sec.substr(slash + 1);
}

std::string kind_of(const bpf_program* prog) {
  std::string sec = bpf_program__section_name(prog);
  return sec.substr(0, sec.find('/'));
}

}  // namespace

void skip_missing_tracepoints(bpf_object* obj, AttachedPrograms& out) {
  std::unique_ptr<btf, decltype(&btf__free)> vmlinux(btf__load_vmlinux_btf(), &btf__free);
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    std::string event = event_of(prog);
    bool present = vmlinux && btf__find_by_name_kind(vmlinux.get(), ("btf_trace_" + event).c_str(), BTF_KIND_TYPEDEF) > 0;
    if (!present) {
      bpf_program__set_autoload(prog, false);
      out.unavailable.push_back({kind_of(prog) + "/" + event, vmlinux ? "no such tracepoint in this kernel's BTF"
                                                                      : "no kernel BTF (/sys/kernel/btf/vmlinux)"});
    }
  }
}

void attach_programs(bpf_object* obj, AttachedPrograms& out) {
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    if (!bpf_program__autoload(prog)) continue;
    std::string name = kind_of(prog) + "/" + event_of(prog);
    bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      out.unavailable.push_back({name, std::string("attach: ") + std::strerror(errno)});
      continue;
    }
    out.links.emplace_back(link);
    out.active.push_back(name);
    out.prog_fds.push_back(bpf_program__fd(prog));
  }
}

}  // namespace pb::probes
