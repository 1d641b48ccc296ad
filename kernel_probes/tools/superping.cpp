#include "kernel_probes/tools/superping.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <sys/socket.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/superping.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book prints "IPv4 ping, ID 28121 seq 1: 43 us"; as columns: TIME FAMILY ADDR ID SEQ US.
constexpr Field kEventFields[] = {
    {.name = "time", .type = FieldType::kString, .doc = "wall-clock time the reply arrived (HH:MM:SS, local)", .width = 8},
    {.name = "family", .type = FieldType::kString, .doc = "IPv4 or IPv6 (ICMP or ICMPv6 echo)", .width = 6},
    {.name = "addr", .type = FieldType::kString, .doc = "the host pinged: the request's destination, the reply's source",
     .width = 15},
    {.name = "id", .type = FieldType::kUint, .doc = "ICMP echo identifier", .width = 5},
    {.name = "seq", .type = FieldType::kUint, .doc = "ICMP echo sequence number", .width = 5},
    {.name = "us", .type = FieldType::kFloat, .unit = "us",
     .doc = "round trip from the request's handoff to the driver (net_dev_start_xmit) to the reply's entry into the "
            "stack (netif_receive_skb): narrower than ping's, which also counts both socket paths",
     .decimals = 1},
};

constexpr Field kHistograms[] = {
    {.name = "rtt", .unit = "ns", .doc = "round trips (the us column) of the replies in the span"},
};

// The loaded superping object with net_dev_start_xmit and netif_receive_skb hooked.
class SuperpingObject {
 public:
  explicit SuperpingObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(superping_bpf__open());
    if (!skel_) core::throw_errno("open BPF object superping");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = superping_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object superping");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"net_dev_start_xmit", "netif_receive_skb"})
      if (std::string why = hooks_.problem(event); !why.empty()) throw std::runtime_error("superping: " + why);
  }
  superping_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<superping_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Values values_of(const pb_superping_event& e) {
  return {clock_time_of(e.ts_ns),
          std::string(e.family == AF_INET6 ? "IPv6" : "IPv4"),
          format_address(e.family, e.peer),
          uint64_t(e.id),
          uint64_t(e.seq),
          double(e.rtt_ns) / 1e3};
}

// Echo requests still waiting for a reply.
uint64_t inflight_count(int fd) {
  uint64_t n = 0;
  pb_superping_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    ++n;
    key = next;
    prev = &key;
  }
  return n;
}

void run_superping(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SuperpingObject obj(opts);
  core::Histogram interval_ns, total_ns;
  auto ring = RingBuffer::of<pb_superping_event>(bpf_map__fd(obj.skel().maps.events),
                                                 bpf_map__fd(obj.skel().maps.events_lost),
                                                 [&](const pb_superping_event& e) {
                                                   sink.event(values_of(e));
                                                   interval_ns.record(e.rtt_ns);
                                                   total_ns.record(e.rtt_ns);
                                                 });
  const int counters_fd = bpf_map__fd(obj.skel().maps.counters);
  const int inflight_fd = bpf_map__fd(obj.skel().maps.inflight);
  run_ring_tool("superping", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    s.histograms.push_back(final ? total_ns : interval_ns);
    interval_ns = core::Histogram();
    if (final) {
      std::vector<uint64_t> c = sum_percpu_batch(counters_fd, PB_SUPERPING_NCOUNTERS, "superping counters");
      s.notes.push_back(fmt::format("{} echo requests timed, {} still without a reply", c[PB_SUPERPING_REQUESTS],
                                    inflight_count(inflight_fd)));
      if (c[PB_SUPERPING_UNTRACKED])
        s.notes.push_back(fmt::format("{} echo requests not timed: {} were in flight already (the table is full)",
                                      c[PB_SUPERPING_UNTRACKED], PB_SUPERPING_MAX_INFLIGHT));
      if (c[PB_SUPERPING_UNMATCHED])
        s.notes.push_back(fmt::format("{} echo replies without a timed request (sent before the tool started, or "
                                      "answering another host's request)",
                                      c[PB_SUPERPING_UNMATCHED]));
    }
    return s;
  });
}

ToolCheck check_superping() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("net", "net_dev_start_xmit"),
                                 missing_tracepoint("net", "netif_receive_skb")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& superping_tool() {
  static const Tool tool{
      .schema = {.tool = "superping", .event_fields = kEventFields, .summary_fields = {}, .histograms = kHistograms},
      .doc = "ICMP/ICMPv6 echo round trips timed in the kernel: request at the driver handoff (net_dev_start_xmit) "
             "to reply at stack entry (netif_receive_skb)",
      .options = kOptNetns | kOptInterval,
      .check = check_superping,
      .run = run_superping,
  };
  return tool;
}

}  // namespace pb::probes::tools
