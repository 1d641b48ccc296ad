#include "kernel_probes/tools/skbdrop.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/drop_reasons.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/skbdrop.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

constexpr Field kEventFields[] = {
    {.name = "reason", .type = FieldType::kString, .doc = "why: enum skb_drop_reason, named from this kernel's BTF", .width = 20},
    {.name = "location", .type = FieldType::kString, .doc = "the kfree_skb caller, symbol+offset (/proc/kallsyms)", .width = 36},
    {.name = "netns", .type = FieldType::kUint, .doc = "netns inode of the skb's device, else of its socket", .width = 10,
     .nullable = true},
    {.name = "ifindex", .type = FieldType::kUint, .doc = "the skb's device, else the one it arrived on", .width = 7,
     .nullable = true},
    {.name = "protocol", .type = FieldType::kString, .doc = "ethertype: IPv4, IPv6, ARP or 0xNNNN", .width = 8,
     .nullable = true},
    {.name = "stack", .type = FieldType::kLines, .doc = "kernel stack at the drop, innermost frame first (the tracing frames left out)",
     .nullable = true},
};

constexpr Field kSummaryFields[] = {
    {.name = "reason", .type = FieldType::kString, .doc = "drop reason", .width = 20},
    {.name = "location", .type = FieldType::kString, .doc = "the kfree_skb caller", .width = 36},
    {.name = "count", .type = FieldType::kUint, .unit = "drops",
     .doc = "drops in the span, from in-kernel counters (exact even when events were lost)", .width = 8},
};

// The deepest kernel stack the kernel records here (kernel.perf_event_max_stack).
uint32_t stack_depth() {
  uint32_t depth = PB_SKBDROP_STACK_DEPTH;
  std::ifstream in("/proc/sys/kernel/perf_event_max_stack");
  uint32_t max_stack = 0;
  if (in >> max_stack && max_stack > 0) depth = std::min(depth, max_stack);
  return depth;
}

// The loaded skbdrop object with kfree_skb hooked (tp_btf, else raw_tp, else tracepoint).
class SkbdropObject {
 public:
  explicit SkbdropObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(skbdrop_bpf__open());
    if (!skel_) core::throw_errno("open BPF object skbdrop");
    set_filters(skel_->rodata, o);
    depth_ = stack_depth();
    bpf_map__set_value_size(skel_->maps.stacks, depth_ * sizeof(uint64_t));
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = skbdrop_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object skbdrop");
    hooks_.select(skel_->obj, true);
    if (hooks_.programs().active.empty()) throw std::runtime_error("skbdrop: " + hooks_.problem("kfree_skb"));
  }
  skbdrop_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }
  uint32_t depth() const { return depth_; }

 private:
  SkelPtr<skbdrop_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
  uint32_t depth_ = PB_SKBDROP_STACK_DEPTH;
};

std::string protocol_name(uint16_t ethertype) {
  switch (ethertype) {
    case 0x0800: return "IPv4";
    case 0x86dd: return "IPv6";
    case 0x0806: return "ARP";
  }
  return fmt::format("0x{:04x}", ethertype);
}

// The frames the tracing machinery adds on top of the drop (the BPF program, the
// tracepoint's BPF runner, perf's tracepoint glue): not part of the drop's stack.
bool is_tracing_frame(std::string_view frame) {
  static constexpr std::string_view kPrefixes[] = {"bpf_prog_", "bpf_trace_run", "__bpf_trace_", "perf_trace_",
                                                   "perf_tp_event", "trace_call_bpf", "__traceiter_",
                                                   "trace_event_raw_event_", "bpf_dispatcher"};
  for (std::string_view p : kPrefixes)
    if (frame.substr(0, p.size()) == p) return true;
  return false;
}

// Turns the kernel's numbers into names: reasons from BTF, addresses from kallsyms,
// stack ids into frames (cached: an id names one stack for the map's life).
class Decoder {
 public:
  Decoder(int stacks_fd, uint32_t depth)
      : reasons_(DropReasons::from_kernel()), syms_(Kallsyms::from_kernel()), stacks_fd_(stacks_fd), depth_(depth) {}

  core::Values event(const pb_skbdrop_event& e) {
    auto known = [](uint32_t v) { return v ? core::Value(uint64_t(v)) : core::Value(); };
    return {reasons_.name(e.reason),
            syms_.resolve(e.location),
            known(e.netns),
            known(e.ifindex),
            e.protocol ? core::Value(protocol_name(e.protocol)) : core::Value(),
            stack(e.stack_id)};
  }
  std::string reason(uint32_t r) const { return reasons_.name(r); }
  std::string where(uint64_t addr) const { return syms_.resolve(addr); }

  std::vector<std::string> notes() const {
    std::vector<std::string> out;
    if (reasons_.size() == 0) out.push_back("no enum skb_drop_reason in the kernel's BTF: reasons shown as numbers");
    if (syms_.empty()) out.push_back("/proc/kallsyms shows no addresses (kptr_restrict): locations shown as addresses");
    for (const auto& [err, n] : stack_errors_)
      out.push_back(fmt::format("no kernel stack for {} events: {}", n,
                                err == EEXIST   ? "bpf_get_stackid: EEXIST (another stack holds the map bucket)"
                                : err == ENOENT ? "the stack left the map before it was read"
                                                : fmt::format("bpf_get_stackid: {}", std::strerror(err))));
    return out;
  }

 private:
  core::Value stack(int32_t id) {
    if (id < 0) {
      ++stack_errors_[-id];
      return {};
    }
    if (auto it = cache_.find(id); it != cache_.end()) return it->second;
    std::vector<uint64_t> ips(depth_);
    if (bpf_map_lookup_elem(stacks_fd_, &id, ips.data()) != 0) {
      ++stack_errors_[ENOENT];
      return {};
    }
    std::vector<std::string> frames;
    for (uint64_t ip : ips) {
      if (!ip) break;
      std::string frame = syms_.resolve(ip);
      if (frames.empty() && is_tracing_frame(frame)) continue;
      frames.push_back(std::move(frame));
    }
    return cache_.emplace(id, std::move(frames)).first->second;
  }

  DropReasons reasons_;
  Kallsyms syms_;
  int stacks_fd_;
  uint32_t depth_;
  std::map<int32_t, std::vector<std::string>> cache_;
  std::map<int, uint64_t> stack_errors_;  // errno -> events
};

using Counts = std::map<std::pair<uint32_t, uint64_t>, uint64_t>;  // (reason, location) -> drops

Counts read_counts(int fd) {
  Counts out;
  pb_skbdrop_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    uint64_t n = 0;
    if (bpf_map_lookup_elem(fd, &next, &n) == 0 && n) out[{next.reason, next.location}] = n;
    key = next;
    prev = &key;
  }
  return out;
}

void run_skbdrop(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SkbdropObject obj(opts);
  Decoder decode(bpf_map__fd(obj.skel().maps.stacks), obj.depth());
  auto ring = RingBuffer::of<pb_skbdrop_event>(bpf_map__fd(obj.skel().maps.events),
                                               bpf_map__fd(obj.skel().maps.events_lost),
                                               [&](const pb_skbdrop_event& e) { sink.event(decode.event(e)); });
  const int counts_fd = bpf_map__fd(obj.skel().maps.counts);
  Counts before;
  run_ring_tool("skbdrop", obj.programs(), loop, *ring, sink, [&](bool final) {
    Counts now = read_counts(counts_fd);
    std::vector<std::tuple<uint64_t, std::string, std::string>> rows;  // (count, reason, location)
    for (const auto& [key, n] : now) {
      auto it = before.find(key);
      uint64_t d = final ? n : n - (it == before.end() ? 0 : it->second);
      if (d) rows.emplace_back(d, decode.reason(key.first), decode.where(key.second));
    }
    before = std::move(now);
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b) : a < b;
    });
    core::Summary s;
    for (auto& [n, reason, where] : rows) s.rows.push_back({std::move(reason), std::move(where), n});
    if (final) s.notes = decode.notes();
    return s;
  });
}

ToolCheck check_skbdrop() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  if (auto why = missing_tracepoint("skb", "kfree_skb"); !why.empty()) return {false, why};
  if (int n = tracepoint_arity("kfree_skb"); n >= 0 && n < 3)
    return {false, "skb:kfree_skb carries no drop reason on this kernel (it has one since Linux 5.17)"};
  if (!has_enum("skb_drop_reason")) return {true, "no enum skb_drop_reason in the kernel's BTF: reasons shown as numbers"};
  return {true, ""};
}

}  // namespace

const Tool& skbdrop_tool() {
  static const Tool tool{
      .schema = {.tool = "skbdrop", .event_fields = kEventFields, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "packets the kernel drops (kfree_skb): reason, location, netns, device and kernel stack per drop; "
             "counts by reason and location",
      .options = kOptNetns | kOptInterval,
      .check = check_skbdrop,
      .run = run_skbdrop,
  };
  return tool;
}

}  // namespace pb::probes::tools
