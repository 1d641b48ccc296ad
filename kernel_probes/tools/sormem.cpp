#include "kernel_probes/tools/sormem.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <array>
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
#include "kernel_probes/tools/sormem.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// What each pb_sormem_kind is called in the output: the tracepoint it comes from.
constexpr std::array<const char*, PB_SORMEM_KINDS> kKindNames = {
    "kfree_skb:SOCKET_RCVBUFF", "udp_fail_queue_rcv_skb", "sock_rcvqueue_full", "sock_exceed_buf_limit"};

// One line per overflow (the book's rcvqueue_full / exceed_buf_limit lines, plus UDP's).
constexpr Field kEventFields[] = {
    {.name = "event", .type = FieldType::kString,
     .doc = "kfree_skb:SOCKET_RCVBUFF (a drop: receive buffer full, every protocol), udp_fail_queue_rcv_skb (UDP "
            "refused it; also a kfree_skb line), sock_rcvqueue_full (ping and other sock_queue_rcv_skb users; raw sockets drop before any "
            "tracepoint: /proc/net/raw drops), sock_exceed_buf_limit (protocol memory pressure)",
     .width = 24},
    {.name = "protocol", .type = FieldType::kString, .doc = "the socket's protocol name (skc_prot->name)", .width = 8,
     .nullable = true},
    {.name = "lport", .type = FieldType::kUint, .doc = "local port of the socket", .width = 5, .nullable = true},
    {.name = "rport", .type = FieldType::kUint, .doc = "remote port of the socket; 0 when not connected", .width = 5,
     .nullable = true},
    {.name = "rmem_alloc", .type = FieldType::kInt, .unit = "bytes", .doc = "the socket's receive memory (sk_rmem_alloc) then",
     .width = 10, .nullable = true},
    {.name = "rcvbuf", .type = FieldType::kInt, .unit = "bytes", .doc = "its limit (sk_rcvbuf)", .width = 10, .nullable = true},
    {.name = "truesize", .type = FieldType::kUint, .unit = "bytes", .doc = "memory of the skb that did not fit", .width = 8,
     .nullable = true},
    {.name = "detail", .type = FieldType::kString,
     .doc = "udp_fail_queue_rcv_skb: rc=-errno; sock_exceed_buf_limit: send|recv and pages allocated", .nullable = true},
};

constexpr Field kSummaryFields[] = {
    {.name = "event", .type = FieldType::kString, .doc = "as in the events", .width = 24},
    {.name = "count", .type = FieldType::kUint, .unit = "events",
     .doc = "in the span, from in-kernel counters (exact even when events were lost)", .width = 8},
};

// The book's @rmem_alloc and @rmem_limit, sampled at enqueue rather than at recvmsg.
constexpr Field kHistograms[] = {
    {.name = "rmem_alloc", .unit = "bytes",
     .doc = "sk_rmem_alloc at each sk_data_ready (just after an skb was queued), every protocol"},
    {.name = "rmem_limit", .unit = "bytes", .doc = "sk_rcvbuf at each sk_data_ready"},
};

// The loaded sormem object: sk_data_ready must attach; the overflow hooks are taken where
// the kernel has them and listed in the notes where it does not.
class SormemObject {
 public:
  explicit SormemObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(sormem_bpf__open());
    if (!skel_) core::throw_errno("open BPF object sormem");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = sormem_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object sormem");
    hooks_.select(skel_->obj, true);
    if (auto why = hooks_.problem("sk_data_ready"); !why.empty()) throw std::runtime_error("sormem: sk_data_ready: " + why);
  }
  sormem_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }
  std::vector<std::string> notes() const {
    std::vector<std::string> out;
    for (const char* ev : {"kfree_skb", "udp_fail_queue_rcv_skb", "sock_rcvqueue_full", "sock_exceed_buf_limit"})
      if (auto why = hooks_.problem(ev); !why.empty()) out.push_back(fmt::format("{} not traced: {}", ev, why));
    return out;
  }

 private:
  SkelPtr<sormem_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Values values_of(const pb_sormem_event& e) {
  const bool has_sock = e.proto[0] != 0;
  auto if_sock = [&](core::Value v) { return has_sock ? v : core::Value(); };
  core::Value detail;
  if (e.kind == PB_SORMEM_UDP_FAIL)
    detail = fmt::format("rc={}", e.detail);
  else if (e.kind == PB_SORMEM_EXCEED)
    detail = fmt::format("{}, {} pages allocated", e.exceed_kind == 1 ? "recv" : "send", e.detail);
  return {std::string(e.kind < PB_SORMEM_KINDS ? kKindNames[e.kind] : "?"),
          if_sock(comm_of(e.proto, sizeof e.proto)),
          if_sock(uint64_t(e.lport)),
          if_sock(uint64_t(e.rport)),
          if_sock(int64_t(e.rmem_alloc)),
          if_sock(int64_t(e.rcvbuf)),
          e.truesize ? core::Value(uint64_t(e.truesize)) : core::Value(),
          detail};
}

void run_sormem(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SormemObject obj(opts);
  auto ring = RingBuffer::of<pb_sormem_event>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                              [&](const pb_sormem_event& e) { sink.event(values_of(e)); });
  const int hist_fd = bpf_map__fd(obj.skel().maps.hist), counts_fd = bpf_map__fd(obj.skel().maps.counts);
  std::vector<uint64_t> hist_before, counts_before(PB_SORMEM_KINDS, 0);
  run_ring_tool("sormem", obj.programs(), loop, *ring, sink, [&](bool final) {
    std::vector<uint64_t> hist_now = sum_percpu_batch(hist_fd, PB_SORMEM_METRICS * PB_HIST_NBUCKETS, "sormem histograms");
    std::vector<uint64_t> counts_now = sum_percpu_batch(counts_fd, PB_SORMEM_KINDS, "sormem counts");
    core::Summary s;
    for (uint32_t m : {PB_SORMEM_RMEM_ALLOC, PB_SORMEM_RCVBUF})
      s.histograms.push_back(histogram_delta(hist_now, final ? std::vector<uint64_t>{} : hist_before, m));
    for (uint32_t k = 0; k < PB_SORMEM_KINDS; ++k)
      if (uint64_t d = counts_now[k] - (final ? 0 : counts_before[k])) s.rows.push_back({std::string(kKindNames[k]), d});
    if (final) s.notes = obj.notes();
    hist_before = std::move(hist_now);
    counts_before = std::move(counts_now);
    return s;
  });
}

ToolCheck check_sormem() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("sock", "sk_data_ready"),
                                 missing_member("sock", "sk_rcvbuf"), missing_member("sock", "sk_backlog")})
    if (!why.empty()) return {false, why};
  // The overflow hooks as this object declares them: with fewer arguments the load would fail.
  if (int n = tracepoint_arity("kfree_skb"); n >= 0 && n < 4)
    return {false, "skb:kfree_skb has no rx_sk argument on this kernel (Linux 6.11+)"};
  if (int n = tracepoint_arity("udp_fail_queue_rcv_skb"); n >= 0 && n < 3)
    return {false, "udp:udp_fail_queue_rcv_skb has no sk and skb arguments on this kernel"};
  if (!has_enum("skb_drop_reason")) return {false, "no enum skb_drop_reason in the kernel's BTF"};
  return {true, ""};
}

}  // namespace

const Tool& sormem_tool() {
  static const Tool tool{
      .schema = {.tool = "sormem", .event_fields = kEventFields, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "socket receive memory: sk_rmem_alloc and sk_rcvbuf at each enqueue (sk_data_ready), and a line per "
             "receive-buffer overflow (kfree_skb SOCKET_RCVBUFF, udp_fail_queue_rcv_skb, sock_rcvqueue_full, "
             "sock_exceed_buf_limit)",
      .options = kOptNetns | kOptInterval,
      .check = check_sormem,
      .run = run_sormem,
  };
  return tool;
}

}  // namespace pb::probes::tools
