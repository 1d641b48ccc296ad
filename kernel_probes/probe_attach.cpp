#include "kernel_probes/probe_attach.h"

#include <bpf/btf.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "bench/core/log.h"
#include "kernel_probes/bpf_util.h"

namespace pb::probes {

namespace {

// Flavours in the order they are tried.
constexpr std::array<const char*, 3> kFlavours = {"tp_btf", "raw_tp", "tracepoint"};

std::string kind_of(const std::string& sec) { return sec.substr(0, sec.find('/')); }
std::string event_of(const std::string& sec) { return sec.substr(sec.rfind('/') + 1); }

int flavour_rank(const std::string& kind) {
  if (kind == "raw_tracepoint") return 1;
  if (kind == "tp") return 2;
  for (size_t i = 0; i < kFlavours.size(); ++i)
    if (kind == kFlavours[i]) return int(i);
  return -1;
}

}  // namespace

void HookSet::prepare(bpf_object* obj, Flavour first) {
  const bool have_btf = vmlinux_btf() != nullptr;
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    std::string sec = bpf_program__section_name(prog);
    int rank = flavour_rank(kind_of(sec));
    if (rank < 0 || !bpf_program__autoload(prog)) continue;
    std::string event = event_of(sec);
    if (rank < int(first)) {
      bpf_program__set_autoload(prog, false);
      skipped_[event] += std::string(skipped_[event].empty() ? "" : "; ") + kind_of(sec) + "/" + event +
                         ": skipped (flavours from " + kFlavours[size_t(first)] + " on)";
      continue;
    }
    if (rank != 0) continue;
    if (vmlinux_has("btf_trace_" + event, BTF_KIND_TYPEDEF)) continue;
    bpf_program__set_autoload(prog, false);
    skipped_[event] = "tp_btf/" + event + ": " +
                      (have_btf ? "no such tracepoint in this kernel's BTF" : "no kernel BTF (/sys/kernel/btf/vmlinux)");
  }
}

void HookSet::select(bpf_object* obj, bool stay_attached, const std::function<bool(const std::string&)>& include) {
  auto wanted = [&](const std::string& event) { return !include || include(event); };
  // event -> its programs by flavour rank
  std::map<std::string, std::array<bpf_program*, kFlavours.size()>> hooks;
  for (const auto& [event, why] : skipped_)
    if (wanted(event)) hooks[event];
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    std::string sec = bpf_program__section_name(prog);
    int rank = flavour_rank(kind_of(sec));
    if (rank < 0 || !bpf_program__autoload(prog) || !wanted(event_of(sec))) continue;
    hooks[event_of(sec)][size_t(rank)] = prog;
  }
  for (const auto& [event, slots] : hooks) {
    std::string why;
    auto note = [&](const std::string& s) { why += (why.empty() ? "" : "; ") + s; };
    if (auto it = skipped_.find(event); it != skipped_.end()) note(it->second);
    bool ok = false;
    for (bpf_program* p : slots) {
      if (!p) continue;
      std::string shown = bpf_program__section_name(p);
      bpf_link* link = bpf_program__attach(p);
      if (!link) {
        note(shown + ": attach: " + std::strerror(errno));
        continue;
      }
      if (stay_attached) links_.emplace_back(link);
      else bpf_link__destroy(link);
      if (!why.empty()) PB_DEBUG("{}: {}; using {}", event, why, shown);
      selected_.emplace_back(shown, p);
      programs_.active.push_back(shown);
      programs_.prog_fds.push_back(bpf_program__fd(p));
      ok = true;
      break;
    }
    state_[event] = ok ? "" : why;
    if (!ok) programs_.unavailable.push_back({event, why.empty() ? "no program for this kernel" : why});
  }
}

void HookSet::attach() {
  if (attached()) return;
  for (const auto& [shown, p] : selected_) {
    bpf_link* link = bpf_program__attach(p);
    if (!link) {
      PB_WARN("attach {}: {}", shown, std::strerror(errno));
      continue;
    }
    links_.emplace_back(link);
  }
}

// Detaching a probe from a tracepoint that keeps another probe waits for an RCU grace
// period under the kernel's tracepoints_mutex (~10-25 ms each here, 25 hooks: ~90 ms per
// window), so concurrent detaches would not help; the runner turns on expedited grace
// periods while windows run instead (5 ms per window).
void HookSet::detach() { links_.clear(); }

std::string HookSet::problem(const std::string& event) const {
  auto it = state_.find(event);
  return it == state_.end() ? event + ": no program" : it->second;
}

}  // namespace pb::probes
