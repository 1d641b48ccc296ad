#include "kernel_probes/tools/tcpconnect.h"

#include <bpf/libbpf.h>
#include <time.h>

#include <memory>
#include <string>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/tcpconnect.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's columns, in its order: TIME PID COMM SADDR SPORT DADDR DPORT.
constexpr Field kEventFields[] = {
    {.name = "time", .type = FieldType::kString, .doc = "local time of the connect (HH:MM:SS)", .width = 8},
    {.name = "pid", .type = FieldType::kUint, .doc = "the connecting process (tgid)", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "its task name", .width = 16},
    {.name = "saddr", .type = FieldType::kString, .doc = "source (local) address", .width = 15},
    {.name = "sport", .type = FieldType::kUint, .doc = "source port (known at the handshake's end)", .width = 5},
    {.name = "daddr", .type = FieldType::kString, .doc = "destination address", .width = 15},
    {.name = "dport", .type = FieldType::kUint, .doc = "destination port", .width = 5},
};

// The loaded tcpconnect object with inet_sock_set_state hooked (tp_btf, else raw_tp, else tracepoint).
class TcpconnectObject {
 public:
  explicit TcpconnectObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(tcpconnect_bpf__open());
    if (!skel_) core::throw_errno("open BPF object tcpconnect");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = tcpconnect_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object tcpconnect");
    hooks_.select(skel_->obj, true);
    if (hooks_.programs().active.empty())
      throw std::runtime_error("tcpconnect: " + hooks_.problem("inet_sock_set_state"));
  }
  tcpconnect_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<tcpconnect_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Values values_of(const pb_tcpconnect_event& e) {
  return {clock_time_of(e.ts_ns),
          uint64_t(e.pid),
          comm_of(e.comm, sizeof e.comm),
          format_address(e.family, e.saddr),
          uint64_t(e.sport),
          format_address(e.family, e.daddr),
          uint64_t(e.dport)};
}

void run_tcpconnect(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  TcpconnectObject obj(opts);
  auto ring = RingBuffer::of<pb_tcpconnect_event>(bpf_map__fd(obj.skel().maps.events),
                                                  bpf_map__fd(obj.skel().maps.events_lost),
                                                  [&](const pb_tcpconnect_event& e) { sink.event(values_of(e)); });
  run_ring_tool("tcpconnect", obj.programs(), loop, *ring, sink, [](bool) { return core::Summary{}; });
}

ToolCheck check_tcpconnect() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("sock", "inet_sock_set_state"),
                                 missing_member("inet_sock", "inet_sport")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& tcpconnect_tool() {
  static const Tool tool{
      .schema = {.tool = "tcpconnect", .event_fields = kEventFields, .summary_fields = {}, .histograms = {}},
      .doc = "active TCP opens (connect): time, process, addresses, ports; printed when the handshake ends, "
             "failed ones too",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptLport | kOptRport,
      .check = check_tcpconnect,
      .run = run_tcpconnect,
  };
  return tool;
}

}  // namespace pb::probes::tools
