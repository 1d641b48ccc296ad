// HookSet: how every probe family attaches. Per hook (tracepoint event) a family may carry
// up to three programs: tp_btf/<event>, raw_tp/<event> and tracepoint/<category>/<event>.
// The first the running kernel takes is used — tp_btf, else raw_tp, else the classic
// tracepoint — and a hook the kernel refuses every way is listed as unavailable with the
// reason (never a failed run: Debian's xdp-tools die on exactly that). Links detach on
// destruction; a sampled family attaches and detaches its hooks per window.
#pragma once

#include <bpf/libbpf.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernel_probes/bpf_link.h"

namespace pb::probes {

struct ProbeUnavailable {
  std::string name;    // "tp_btf/kfree_skb"
  std::string reason;  // "no such tracepoint in this kernel's BTF", "attach: ..."
};

// What a family runs: names of the chosen programs, their fds (same order, for
// run_time_ns/run_cnt) and what the kernel refused.
struct AttachedPrograms {
  std::vector<std::string> active;  // "tp_btf/kfree_skb", "raw_tp/netif_rx", "tracepoint/syscalls/sys_enter_sendmmsg"
  std::vector<int> prog_fds;
  std::vector<ProbeUnavailable> unavailable;
};

// The attach flavours in the order a hook tries them.
enum class Flavour { kTpBtf = 0, kRawTp = 1, kTracepoint = 2 };

class HookSet {
 public:
  HookSet() = default;
  HookSet(const HookSet&) = delete;
  HookSet& operator=(const HookSet&) = delete;
  ~HookSet() { detach(); }

  // Before load: switches off every tp_btf program whose event has no btf_trace_<event>
  // in the kernel's BTF, and every program of a flavour before `first` (tests use that to
  // exercise the twins an older kernel would get). Programs the caller already switched
  // off stay off and are not hooks of this set.
  void prepare(bpf_object* obj, Flavour first = Flavour::kTpBtf);
  // After load: per event, attaches the first flavour that attaches and keeps it as the
  // hook's program; with `stay_attached` false it detaches again (attach() opens). With
  // `include`, only the events it accepts are hooks of this set (an object may feed two).
  void select(bpf_object* obj, bool stay_attached, const std::function<bool(const std::string&)>& include = {});
  // Attaches every selected program that is not attached; a refusal now is logged.
  void attach();
  void detach();
  bool attached() const { return !links_.empty(); }

  const AttachedPrograms& programs() const { return programs_; }
  // "" when the event is hooked, else why not ("no program" for an event the set lacks).
  std::string problem(const std::string& event) const;

 private:
  std::vector<std::pair<std::string, bpf_program*>> selected_;  // (shown name, program)
  std::vector<BpfLink> links_;
  AttachedPrograms programs_;
  std::map<std::string, std::string> state_;      // event -> "" | why not
  std::map<std::string, std::string> skipped_;  // event -> why programs of it were switched off
};

}  // namespace pb::probes
