#include "kernel_probes/tools/netsize.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "bench/core/histogram_buckets.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/netsize.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;

// The book's @recv_bytes, @send_bytes, @nic_recv_bytes, @nic_send_bytes, in enum pb_netsize_metric's order.
constexpr Field kHistograms[] = {
    {.name = "recv", .unit = "bytes", .doc = "skb->len at netif_receive_skb: packets entering the stack, after GRO"},
    {.name = "send", .unit = "bytes", .doc = "skb->len at net_dev_queue: packets handed to a device, before GSO"},
    {.name = "nic_recv", .unit = "bytes",
     .doc = "skb->len where the driver hands packets over (napi_gro_receive_entry, napi_gro_frags_entry, "
            "netif_receive_skb_entry, netif_receive_skb_list_entry, netif_rx_entry), before GRO"},
    {.name = "nic_send", .unit = "bytes", .doc = "skb->len at net_dev_xmit: what the driver took"},
};

constexpr const char* kRequired[] = {"netif_receive_skb", "net_dev_queue", "net_dev_xmit"};
constexpr const char* kNicRecv[] = {"napi_gro_receive_entry", "napi_gro_frags_entry", "netif_receive_skb_entry",
                                    "netif_receive_skb_list_entry", "netif_rx_entry"};

// The loaded netsize object: the three single hooks must attach; of the driver handover
// events, those the kernel lacks are listed in the notes.
class NetsizeObject {
 public:
  explicit NetsizeObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(netsize_bpf__open());
    if (!skel_) core::throw_errno("open BPF object netsize");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = netsize_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object netsize");
    hooks_.select(skel_->obj, true);
    for (const char* ev : kRequired)
      if (auto why = hooks_.problem(ev); !why.empty()) throw std::runtime_error(fmt::format("netsize: {}: {}", ev, why));
  }
  netsize_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }
  std::vector<std::string> notes() const {
    std::vector<std::string> out;
    for (const char* ev : kNicRecv)
      if (auto why = hooks_.problem(ev); !why.empty()) out.push_back(fmt::format("nic_recv misses {}: {}", ev, why));
    return out;
  }

 private:
  SkelPtr<netsize_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

void run_netsize(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  NetsizeObject obj(opts);
  auto ring = RingBuffer::of<uint64_t>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                       [](const uint64_t&) {});
  const int hist_fd = bpf_map__fd(obj.skel().maps.hist);
  std::vector<uint64_t> before;
  run_ring_tool("netsize", obj.programs(), loop, *ring, sink, [&](bool final) {
    std::vector<uint64_t> now = sum_percpu_batch(hist_fd, PB_NETSIZE_METRICS * PB_HIST_NBUCKETS, "netsize histograms");
    core::Summary s;
    for (uint32_t m = 0; m < PB_NETSIZE_METRICS; ++m)
      s.histograms.push_back(histogram_delta(now, final ? std::vector<uint64_t>{} : before, m));
    if (final) s.notes = obj.notes();
    before = std::move(now);
    return s;
  });
}

ToolCheck check_netsize() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  for (const char* ev : kRequired)
    if (auto why = missing_tracepoint("net", ev); !why.empty()) return {false, why};
  for (const char* ev : kNicRecv)
    if (missing_tracepoint("net", ev).empty()) return {true, ""};
  return {true, "no driver handover tracepoint (napi_gro_receive_entry, ...): nic_recv stays empty"};
}

}  // namespace

const Tool& netsize_tool() {
  static const Tool tool{
      .schema = {.tool = "netsize", .event_fields = {}, .summary_fields = {}, .histograms = kHistograms},
      .doc = "packet sizes at the device layer: recv (netif_receive_skb), send (net_dev_queue), nic_recv (driver "
             "handover, *_entry), nic_send (net_dev_xmit)",
      .options = kOptNetns | kOptInterval,
      .check = check_netsize,
      .run = run_netsize,
  };
  return tool;
}

}  // namespace pb::probes::tools
