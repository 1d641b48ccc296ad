#include "kernel_probes/tools/udpconnect.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <sys/socket.h>

#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"
#include "kernel_probes/tools/udpconnect.skel.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's columns, in its order: TIME PID COMM IP RADDR RPORT.
constexpr Field kEventFields[] = {
    {.name = "time", .type = FieldType::kString, .doc = "wall-clock time of the call, local, HH:MM:SS", .width = 8},
    {.name = "pid", .type = FieldType::kUint, .doc = "process (tgid) that called connect()", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "its task name", .width = 16},
    {.name = "ip", .type = FieldType::kUint, .doc = "IP version of the destination: 4 or 6 (of the address given, so an "
                                                    "IPv4-mapped address on an IPv6 socket is 6)", .width = 2},
    {.name = "raddr", .type = FieldType::kString, .doc = "destination address, as connect() was given it", .width = 15},
    {.name = "rport", .type = FieldType::kUint, .doc = "destination port", .width = 5},
};

// The loaded udpconnect object: sys_enter_connect.
class UdpconnectObject {
 public:
  explicit UdpconnectObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(udpconnect_bpf__open());
    if (!skel_) core::throw_errno("open BPF object udpconnect");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = udpconnect_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object udpconnect");
    hooks_.select(skel_->obj, true);
    if (auto why = hooks_.problem("sys_enter_connect"); !why.empty()) throw std::runtime_error("udpconnect: " + why);
  }
  udpconnect_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<udpconnect_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Values values_of(const pb_udpconnect_event& e) {
  return {clock_time_of(e.ts_ns),
          uint64_t(e.pid),
          comm_of(e.comm, sizeof e.comm),
          uint64_t(e.family == AF_INET6 ? 6 : 4),
          format_address(e.family, e.raddr),
          uint64_t(e.rport)};
}


void run_udpconnect(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  UdpconnectObject obj(opts);
  auto ring = RingBuffer::of<pb_udpconnect_event>(bpf_map__fd(obj.skel().maps.events),
                                                  bpf_map__fd(obj.skel().maps.events_lost),
                                                  [&](const pb_udpconnect_event& e) { sink.event(values_of(e)); });
  const int misses_fd = bpf_map__fd(obj.skel().maps.misses);
  run_ring_tool("udpconnect", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    if (final)
      if (uint64_t n = sum_percpu(misses_fd, PB_UDPCONNECT_UNREADABLE, "udpconnect misses"))
        s.notes.push_back(fmt::format("{} UDP connects not shown: their address could not be read from user memory", n));
    return s;
  });
}

ToolCheck check_udpconnect() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("syscalls", "sys_enter_connect"),
                                 missing_member("sock", "sk_protocol")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& udpconnect_tool() {
  static const Tool tool{
      .schema = {.tool = "udpconnect", .event_fields = kEventFields, .summary_fields = {}, .histograms = {}},
      .doc = "connect() calls on UDP sockets to an IPv4 or IPv6 address: time, process, IP version, destination",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptRport,
      .check = check_udpconnect,
      .run = run_udpconnect,
  };
  return tool;
}

}  // namespace pb::probes::tools
