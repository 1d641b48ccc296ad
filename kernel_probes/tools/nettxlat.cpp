#include "kernel_probes/tools/nettxlat.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/nettxlat.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

constexpr Field kSummaryFields[] = {
    {.name = "started", .type = FieldType::kUint, .unit = "packets",
     .doc = "skbs handed to a driver (net_dev_start_xmit) in the span", .width = 9},
    {.name = "consumed", .type = FieldType::kUint, .unit = "packets",
     .doc = "of the timed skbs, those completed by consume_skb (sent)", .width = 9},
    {.name = "freed", .type = FieldType::kUint, .unit = "packets",
     .doc = "of the timed skbs, those completed by kfree_skb (dropped after the handoff)", .width = 9},
};

constexpr Field kHistograms[] = {
    {.name = "latency", .unit = "us",
     .doc = "net_dev_start_xmit to consume_skb/kfree_skb of the same skb, microseconds"},
};

// The loaded nettxlat object, its four hooks attached (tp_btf, else raw_tp, else tracepoint).
class NettxlatObject {
 public:
  explicit NettxlatObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(nettxlat_bpf__open());
    if (!skel_) core::throw_errno("open BPF object nettxlat");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = nettxlat_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object nettxlat");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"net_dev_start_xmit", "net_dev_queue", "consume_skb", "kfree_skb"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error(fmt::format("nettxlat: {}", why));
  }
  nettxlat_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<nettxlat_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

void run_nettxlat(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  NettxlatObject obj(opts);
  auto ring = std::make_unique<RingBuffer>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost), 0,
                                           [](std::span<const std::byte>) {});
  const int hist_fd = bpf_map__fd(obj.skel().maps.hist), counters_fd = bpf_map__fd(obj.skel().maps.counters);
  std::vector<uint64_t> hist_before, counters_before(PB_NETTXLAT_NCOUNTERS, 0);
  run_ring_tool("nettxlat", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    std::vector<uint64_t> now = sum_percpu_batch(hist_fd, PB_HIST_NBUCKETS, "nettxlat histogram");
    s.histograms.push_back(histogram_delta(now, final ? std::vector<uint64_t>{} : hist_before, 0));
    hist_before = now;
    std::vector<uint64_t> c = sum_percpu_batch(counters_fd, PB_NETTXLAT_NCOUNTERS, "nettxlat counters");
    auto span = [&](int i) { return final ? c[i] : c[i] - counters_before[i]; };
    s.rows.push_back({span(PB_NETTXLAT_STARTED), span(PB_NETTXLAT_CONSUMED), span(PB_NETTXLAT_FREED)});
    counters_before = c;
    if (final) {
      if (c[PB_NETTXLAT_RESTARTED])
        s.notes.push_back(fmt::format("{} skbs handed to the driver again before their completion (requeued by a busy "
                                      "driver): timed from the last handoff", c[PB_NETTXLAT_RESTARTED]));
      if (c[PB_NETTXLAT_REQUEUED])
        s.notes.push_back(fmt::format("{} started skbs queued again (net_dev_queue: forwarded or looped back): not timed",
                                      c[PB_NETTXLAT_REQUEUED]));
      s.notes.push_back(std::string(kNettxlatVirtualNote));
    }
    return s;
  });
}

ToolCheck check_nettxlat() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  for (const auto& [cat, event] : {std::pair{"net", "net_dev_start_xmit"}, std::pair{"net", "net_dev_queue"},
                                   std::pair{"skb", "consume_skb"}, std::pair{"skb", "kfree_skb"}})
    if (auto why = missing_tracepoint(cat, event); !why.empty()) return {false, why};
  return {true, "on veth and lo the completion is the receiver freeing the skb"};
}

}  // namespace

const Tool& nettxlat_tool() {
  static const Tool tool{
      .schema = {.tool = "nettxlat", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "device transmit latency, driver handoff (net_dev_start_xmit) to the skb's consume_skb/kfree_skb "
             "(on a NIC its TX completion; on veth/lo the receiver freeing it), histogram",
      .options = kOptNetns | kOptInterval,
      .check = check_nettxlat,
      .run = run_nettxlat,
  };
  return tool;
}

}  // namespace pb::probes::tools
