// How every probe family loads: tp_btf programs whose tracepoint the running kernel lacks
// are switched off before load and listed as unavailable (never a failed run: Debian's
// xdp-tools die on exactly that); the rest are attached through BPF links.
#pragma once

#include <bpf/libbpf.h>

#include <string>
#include <vector>

#include "kernel_probes/bpf_link.h"

namespace pb::probes {

struct ProbeUnavailable {
  std::string name;    // "tp_btf/kfree_skb"
  std::string reason;  // "no such tracepoint in this kernel's BTF", "attach: ..."
};

// The attach state of one family: links (detached on destruction), names of the active
// programs, and what the kernel refused.
struct AttachedPrograms {
  std::vector<BpfLink> links;
  std::vector<std::string> active;
  std::vector<int> prog_fds;  // of the active programs, same order (for run_time_ns/run_cnt)
  std::vector<ProbeUnavailable> unavailable;
};

// Before load: turns off every program of `obj` whose tracepoint (the part of its section
// name after '/') has no btf_trace_<event> in the kernel's BTF.
void skip_missing_tracepoints(bpf_object* obj, AttachedPrograms& out);
// After load: attaches every program still set to autoload.
void attach_programs(bpf_object* obj, AttachedPrograms& out);

}  // namespace pb::probes
