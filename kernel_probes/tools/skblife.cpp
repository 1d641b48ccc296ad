#include "kernel_probes/tools/skblife.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/skblife.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

constexpr Field kSummaryFields[] = {
    {.name = "born", .type = FieldType::kUint, .unit = "skbs",
     .doc = "sk_buffs allocated from skbuff_head_cache (kmem:kmem_cache_alloc), clones included", .width = 8},
    {.name = "fclones", .type = FieldType::kUint, .unit = "skbs",
     .doc = "fclone pairs allocated in __alloc_skb (the slab-merged fclone cache, found by call site)", .width = 8},
    {.name = "consumed", .type = FieldType::kUint, .unit = "skbs", .doc = "lives ended by skb:consume_skb (timed)",
     .width = 8},
    {.name = "dropped", .type = FieldType::kUint, .unit = "skbs", .doc = "lives ended by skb:kfree_skb (timed)", .width = 8},
    {.name = "slab_freed", .type = FieldType::kUint, .unit = "skbs",
     .doc = "lives ended by kmem:kmem_cache_free with no consume/kfree event first (timed)", .width = 10},
    {.name = "unseen", .type = FieldType::kUint, .unit = "skbs",
     .doc = "lives whose end no event reported (NAPI skb cache, bulk frees), noticed when the address came back: "
            "not timed",
     .width = 8},
};

constexpr Field kHistograms[] = {
    {.name = "lifespan", .unit = "ns",
     .doc = "slab allocation of the sk_buff to its first consume_skb/kfree_skb/kmem_cache_free, nanoseconds"},
};

// [start, end) of __alloc_skb's text from /proc/kallsyms (the next symbol's address ends it);
// {0, 0} when the addresses are hidden or the symbol is missing.
std::pair<uint64_t, uint64_t> alloc_skb_text() {
  std::ifstream in("/proc/kallsyms");
  std::string line;
  uint64_t start = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string addr, type, name;
    if (!(fields >> addr >> type >> name)) continue;
    uint64_t a = std::stoull(addr, nullptr, 16);
    if (start) {
      if (a > start) return {start, a};
      continue;
    }
    if (name == "__alloc_skb" && a) start = a;
  }
  return {0, 0};
}

// The loaded skblife object, its four hooks attached (tp_btf, else raw_tp).
class SkblifeObject {
 public:
  explicit SkblifeObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(skblife_bpf__open());
    if (!skel_) core::throw_errno("open BPF object skblife");
    set_filters(skel_->rodata, o);
    std::tie(skel_->rodata->alloc_skb_lo, skel_->rodata->alloc_skb_hi) = alloc_skb_text();
    fclones_ = skel_->rodata->alloc_skb_lo != 0;
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = skblife_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object skblife");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"kmem_cache_alloc", "kmem_cache_free", "consume_skb", "kfree_skb"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error(fmt::format("skblife: {}", why));
  }
  skblife_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }
  bool fclones() const { return fclones_; }

 private:
  SkelPtr<skblife_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
  bool fclones_ = false;
};

void run_skblife(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SkblifeObject obj(opts);
  auto ring = std::make_unique<RingBuffer>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost), 0,
                                           [](std::span<const std::byte>) {});
  const int hist_fd = bpf_map__fd(obj.skel().maps.hist), counters_fd = bpf_map__fd(obj.skel().maps.counters);
  std::vector<uint64_t> hist_before, counters_before(PB_SKBLIFE_NCOUNTERS, 0);
  run_ring_tool("skblife", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    std::vector<uint64_t> now = sum_percpu_batch(hist_fd, PB_HIST_NBUCKETS, "skblife histogram");
    s.histograms.push_back(histogram_delta(now, final ? std::vector<uint64_t>{} : hist_before, 0));
    hist_before = now;
    std::vector<uint64_t> c = sum_percpu_batch(counters_fd, PB_SKBLIFE_NCOUNTERS, "skblife counters");
    core::Values row;
    for (int i = 0; i < PB_SKBLIFE_NCOUNTERS; ++i) row.push_back(final ? c[i] : c[i] - counters_before[i]);
    s.rows.push_back(std::move(row));
    counters_before = c;
    if (final) {
      s.notes.push_back("lifespan = slab allocation to the first consume_skb/kfree_skb/kmem_cache_free; skbs freed "
                        "through the NAPI skb cache or bulk frees (most received UDP skbs here) have no end event: "
                        "counted as unseen, not timed; skbs taken from the NAPI cache have no birth event");
      if (!obj.fclones())
        s.notes.push_back("/proc/kallsyms shows no __alloc_skb address (kptr_restrict): fclones not followed");
    }
    return s;
  });
}

ToolCheck check_skblife() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  for (const auto& [cat, event] : {std::pair{"kmem", "kmem_cache_alloc"}, std::pair{"kmem", "kmem_cache_free"},
                                   std::pair{"skb", "consume_skb"}, std::pair{"skb", "kfree_skb"}})
    if (auto why = missing_tracepoint(cat, event); !why.empty()) return {false, why};
  if (tracepoint_arity("kmem_cache_alloc") < 3 || tracepoint_arity("kmem_cache_free") < 2)
    return {false, "kmem:kmem_cache_alloc does not pass the kmem_cache on this kernel (its BTF prototype is older)"};
  return {true, "approximate: slab allocation to the first consume/kfree/slab-free event; ends through the NAPI "
                "skb cache are not seen"};
}

}  // namespace

const Tool& skblife_tool() {
  static const Tool tool{
      .schema = {.tool = "skblife", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "sk_buff lifespans, slab allocation (skbuff_head_cache, fclones) to the first consume_skb/kfree_skb/"
             "kmem_cache_free of the address, histogram; lives that end unseen counted apart",
      .options = kOptInterval,
      .check = check_skblife,
      .run = run_skblife,
  };
  return tool;
}

}  // namespace pb::probes::tools
