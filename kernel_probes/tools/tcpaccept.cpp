#include "kernel_probes/tools/tcpaccept.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <time.h>

#include <memory>
#include <string>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/tcpaccept.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's columns, in its order: TIME PID COMM RADDR RPORT LADDR LPORT BL; the
// book's BL ("qlen/qmax" in bpftrace's tcpaccept) is two fields here.
constexpr Field kEventFields[] = {
    {.name = "time", .type = FieldType::kString, .doc = "local time of the accept (HH:MM:SS)", .width = 8},
    {.name = "pid", .type = FieldType::kUint, .doc = "the accepting process (tgid)", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "its task name", .width = 16},
    {.name = "raddr", .type = FieldType::kString, .doc = "remote address", .width = 15},
    {.name = "rport", .type = FieldType::kUint, .doc = "remote port", .width = 5},
    {.name = "laddr", .type = FieldType::kString, .doc = "local address", .width = 15},
    {.name = "lport", .type = FieldType::kUint, .doc = "local (listening) port", .width = 5},
    {.name = "bl", .type = FieldType::kUint,
     .doc = "the listener's accept queue after this accept: connections still waiting (sk_ack_backlog); unknown for "
            "an accept that began before the tool",
     .width = 3, .nullable = true},
    {.name = "bl_max", .type = FieldType::kUint, .doc = "the listener's queue limit (sk_max_ack_backlog, from listen())",
     .width = 6, .nullable = true},
};

constexpr Field kSummaryFields[] = {
    {.name = "handshakes", .type = FieldType::kUint, .unit = "connections",
     .doc = "passive opens completed in the span (inet_sock_set_state SYN_RECV->ESTABLISHED; --pid/--comm do not apply)",
     .width = 10},
    {.name = "accepts", .type = FieldType::kUint, .unit = "connections", .doc = "TCP connections accepted in the span (the events)",
     .width = 7},
};

// The loaded tcpaccept object: accept/accept4 entry and exit (classic syscall
// tracepoints) and inet_sock_set_state (tp_btf, else raw_tp, else tracepoint).
class TcpacceptObject {
 public:
  explicit TcpacceptObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(tcpaccept_bpf__open());
    if (!skel_) core::throw_errno("open BPF object tcpaccept");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = tcpaccept_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object tcpaccept");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"sys_enter_accept4", "sys_exit_accept4", "inet_sock_set_state"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error(fmt::format("tcpaccept: {}", why));
  }
  tcpaccept_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<tcpaccept_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Value known(uint32_t v) { return v == PB_TCPACCEPT_UNKNOWN ? core::Value() : core::Value(uint64_t(v)); }

core::Values values_of(const pb_tcpaccept_event& e) {
  return {clock_time_of(e.ts_ns),
          uint64_t(e.pid),
          comm_of(e.comm, sizeof e.comm),
          format_address(e.family, e.raddr),
          uint64_t(e.rport),
          format_address(e.family, e.laddr),
          uint64_t(e.lport),
          known(e.backlog),
          known(e.max_backlog)};
}

void run_tcpaccept(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  TcpacceptObject obj(opts);
  uint64_t accepts = 0, accepts_before = 0, handshakes_before = 0;
  auto ring = RingBuffer::of<pb_tcpaccept_event>(bpf_map__fd(obj.skel().maps.events),
                                                 bpf_map__fd(obj.skel().maps.events_lost),
                                                 [&](const pb_tcpaccept_event& e) {
                                                   sink.event(values_of(e));
                                                   ++accepts;
                                                 });
  const int counters_fd = bpf_map__fd(obj.skel().maps.counters);
  run_ring_tool("tcpaccept", obj.programs(), loop, *ring, sink, [&](bool final) {
    auto c = sum_percpu_batch(counters_fd, PB_TCPACCEPT_NCOUNTERS, "tcpaccept counters");
    uint64_t handshakes = c[PB_TCPACCEPT_HANDSHAKES];
    core::Summary s;
    s.rows.push_back({final ? handshakes : handshakes - handshakes_before, final ? accepts : accepts - accepts_before});
    handshakes_before = handshakes;
    accepts_before = accepts;
    if (final && c[PB_TCPACCEPT_UNMATCHED])
      s.notes.push_back(fmt::format("{} accepts shown without their listener's queue (more than {} in flight at once)",
                                    c[PB_TCPACCEPT_UNMATCHED], PB_TCPACCEPT_MAX_CALLS));
    return s;
  });
}

ToolCheck check_tcpaccept() {
  for (const std::string& why :
       {missing_btf(), missing_tracepoint("syscalls", "sys_enter_accept4"), missing_tracepoint("syscalls", "sys_exit_accept4"),
        missing_tracepoint("sock", "inet_sock_set_state"), missing_member("sock", "sk_max_ack_backlog"),
        missing_member("inet_sock", "inet_sport")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& tcpaccept_tool() {
  static const Tool tool{
      .schema = {.tool = "tcpaccept", .event_fields = kEventFields, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "TCP connections accepted (accept/accept4 returns): time, process, addresses, ports, the listener's "
             "queue; handshakes completed counted per interval",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptLport | kOptRport,
      .check = check_tcpaccept,
      .run = run_tcpaccept,
  };
  return tool;
}

}  // namespace pb::probes::tools
