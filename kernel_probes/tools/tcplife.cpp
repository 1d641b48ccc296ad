#include "kernel_probes/tools/tcplife.h"

#include <bpf/libbpf.h>

#include <cstring>
#include <memory>
#include <string>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/tcplife.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's columns, in its order: PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS.
constexpr Field kEventFields[] = {
    {.name = "pid", .type = FieldType::kUint,
     .doc = "process: the one that connected, else the one that closed, else the task on the CPU at close", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "that process's task name", .width = 16},
    {.name = "laddr", .type = FieldType::kString, .doc = "local address", .width = 15},
    {.name = "lport", .type = FieldType::kUint, .doc = "local port", .width = 5},
    {.name = "raddr", .type = FieldType::kString, .doc = "remote address", .width = 15},
    {.name = "rport", .type = FieldType::kUint, .doc = "remote port", .width = 5},
    {.name = "tx_kb", .type = FieldType::kUint, .unit = "KiB",
     .doc = "bytes sent and acknowledged (tcp_sock.bytes_acked), rounded down", .width = 5},
    {.name = "rx_kb", .type = FieldType::kUint, .unit = "KiB", .doc = "bytes received (tcp_sock.bytes_received), rounded down",
     .width = 5},
    {.name = "ms", .type = FieldType::kFloat, .unit = "ms",
     .doc = "lifespan: from the last state below FIN_WAIT1 (ESTABLISHED, normally) to CLOSE", .decimals = 2},
};

constexpr Field kHistograms[] = {
    {.name = "lifespan", .unit = "us", .doc = "session lifespans (the ms column) of the sessions closed in the span"},
};

// The loaded tcplife object with inet_sock_set_state hooked (tp_btf, else raw_tp, else tracepoint).
class TcplifeObject {
 public:
  explicit TcplifeObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(tcplife_bpf__open());
    if (!skel_) core::throw_errno("open BPF object tcplife");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = tcplife_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object tcplife");
    hooks_.select(skel_->obj, true);
    if (hooks_.programs().active.empty()) throw std::runtime_error("tcplife: " + hooks_.problem("inet_sock_set_state"));
  }
  tcplife_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<tcplife_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Values values_of(const pb_tcplife_event& e) {
  return {uint64_t(e.pid),
          comm_of(e.comm, sizeof e.comm),
          format_address(e.family, e.saddr),
          uint64_t(e.lport),
          format_address(e.family, e.daddr),
          uint64_t(e.rport),
          uint64_t(e.tx_bytes / 1024),
          uint64_t(e.rx_bytes / 1024),
          double(e.span_ns) / 1e6};
}

void run_tcplife(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  TcplifeObject obj(opts);
  core::Histogram interval_us, total_us;
  auto ring = RingBuffer::of<pb_tcplife_event>(bpf_map__fd(obj.skel().maps.events),
                                               bpf_map__fd(obj.skel().maps.events_lost),
                                               [&](const pb_tcplife_event& e) {
                                                 sink.event(values_of(e));
                                                 interval_us.record(e.span_ns / 1000);
                                                 total_us.record(e.span_ns / 1000);
                                               });
  run_ring_tool("tcplife", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    s.histograms.push_back(final ? total_us : interval_us);
    interval_us = core::Histogram();
    return s;
  });
}

ToolCheck check_tcplife() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("sock", "inet_sock_set_state"),
                                 missing_member("tcp_sock", "bytes_acked"), missing_member("tcp_sock", "bytes_received")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& tcplife_tool() {
  static const Tool tool{
      .schema = {.tool = "tcplife", .event_fields = kEventFields, .summary_fields = {}, .histograms = kHistograms},
      .doc = "TCP sessions as they close: process, addresses, ports, KiB each way, lifespan",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptLport | kOptRport,
      .check = check_tcplife,
      .run = run_tcplife,
  };
  return tool;
}

}  // namespace pb::probes::tools
