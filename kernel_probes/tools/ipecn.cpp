#include "kernel_probes/tools/ipecn.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <sys/socket.h>
#include <time.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/ipecn.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book prints "ECN CE from: <saddr>"; as columns: TIME FAMILY SADDR DADDR IFINDEX PACKETS.
constexpr Field kEventFields[] = {
    {.name = "time", .type = FieldType::kString, .doc = "wall-clock time of the packet's receipt (HH:MM:SS, local)",
     .width = 8},
    {.name = "family", .type = FieldType::kString, .doc = "IPv4 or IPv6", .width = 6},
    {.name = "saddr", .type = FieldType::kString, .doc = "source address of the CE-marked packet", .width = 15},
    {.name = "daddr", .type = FieldType::kString, .doc = "its destination address", .width = 15},
    {.name = "ifindex", .type = FieldType::kUint, .doc = "the device it was received on (in its netns)", .width = 7},
    {.name = "packets", .type = FieldType::kUint, .unit = "packets",
     .doc = "packets the skb stands for: 1, or the segments of a GRO aggregate", .width = 7},
};

constexpr Field kSummaryFields[] = {
    {.name = "family", .type = FieldType::kString, .doc = "IPv4 or IPv6", .width = 6},
    {.name = "ecn", .type = FieldType::kString, .doc = "ECN codepoint of the IP header: Not-ECT, ECT(1), ECT(0) or CE",
     .width = 7},
    {.name = "packets", .type = FieldType::kUint, .unit = "packets",
     .doc = "IP packets received with that codepoint in the span, from in-kernel counters (exact when events were "
            "lost; as IpExt In*Pkts / Ip6In*Pkts count them)",
     .width = 10},
};

constexpr const char* kCodepoints[] = {"Not-ECT", "ECT(1)", "ECT(0)", "CE"};
constexpr const char* kFamilies[] = {"IPv4", "IPv6"};

// The loaded ipecn object with netif_receive_skb hooked (tp_btf, else raw_tp, else tracepoint).
class IpecnObject {
 public:
  explicit IpecnObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(ipecn_bpf__open());
    if (!skel_) core::throw_errno("open BPF object ipecn");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = ipecn_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object ipecn");
    hooks_.select(skel_->obj, true);
    if (hooks_.programs().active.empty()) throw std::runtime_error("ipecn: " + hooks_.problem("netif_receive_skb"));
  }
  ipecn_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<ipecn_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Values values_of(const pb_ipecn_event& e) {
  return {clock_time_of(e.ts_ns),
          std::string(e.family == AF_INET6 ? "IPv6" : "IPv4"),
          format_address(e.family, e.saddr),
          format_address(e.family, e.daddr),
          uint64_t(e.ifindex),
          uint64_t(e.packets)};
}

void run_ipecn(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  IpecnObject obj(opts);
  auto ring = RingBuffer::of<pb_ipecn_event>(bpf_map__fd(obj.skel().maps.events),
                                             bpf_map__fd(obj.skel().maps.events_lost),
                                             [&](const pb_ipecn_event& e) { sink.event(values_of(e)); });
  const int counts_fd = bpf_map__fd(obj.skel().maps.counts);
  std::vector<uint64_t> before(PB_IPECN_NCOUNTS, 0);
  run_ring_tool("ipecn", obj.programs(), loop, *ring, sink, [&](bool final) {
    std::vector<uint64_t> now = sum_percpu_batch(counts_fd, PB_IPECN_NCOUNTS, "ipecn counts");
    core::Summary s;
    for (uint32_t i = 0; i < PB_IPECN_NCOUNTS; ++i) {
      const uint64_t n = final ? now[i] : now[i] - before[i];
      if (n) s.rows.push_back({std::string(kFamilies[i / 4]), std::string(kCodepoints[i % 4]), n});
    }
    before = std::move(now);
    return s;
  });
}

ToolCheck check_ipecn() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("net", "netif_receive_skb")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& ipecn_tool() {
  static const Tool tool{
      .schema = {.tool = "ipecn", .event_fields = kEventFields, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "IPv4/IPv6 packets received with ECN Congestion Experienced (CE), read at netif_receive_skb; "
             "counts per ECN codepoint",
      .options = kOptNetns | kOptInterval,
      .check = check_ipecn,
      .run = run_ipecn,
  };
  return tool;
}

}  // namespace pb::probes::tools
