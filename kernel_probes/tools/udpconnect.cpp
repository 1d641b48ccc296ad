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

// CLOCK_REALTIME minus CLOCK_MONOTONIC (bpf_ktime_get_ns), in ns, taken once: event times
// become wall-clock times.
int64_t realtime_offset_ns() {
  timespec mono{}, real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  return (int64_t(real.tv_sec) - mono.tv_sec) * 1000000000 + (int64_t(real.tv_nsec) - mono.tv_nsec);
}

std::string wall_clock(uint64_t mono_ns, int64_t offset_ns) {
  time_t t = time_t((int64_t(mono_ns) + offset_ns) / 1000000000);
  tm local{};
  localtime_r(&t, &local);
  char buf[16];
  strftime(buf, sizeof buf, "%H:%M:%S", &local);
  return buf;
}

core::Values values_of(const pb_udpconnect_event& e, int64_t offset_ns) {
  return {wall_clock(e.ts_ns, offset_ns),
          uint64_t(e.pid),
          comm_of(e.comm, sizeof e.comm),
          uint64_t(e.family == AF_INET6 ? 6 : 4),
          format_address(e.family, e.raddr),
          uint64_t(e.rport)};
}

uint64_t read_misses(int fd, uint32_t slot) {
  const int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) core::throw_errno(-ncpu, "number of possible CPUs");
  std::vector<uint64_t> per_cpu(static_cast<size_t>(ncpu));
  uint64_t sum = 0;
  if (bpf_map_lookup_elem(fd, &slot, per_cpu.data()) == 0)
    for (uint64_t v : per_cpu) sum += v;
  return sum;
}

void run_udpconnect(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  UdpconnectObject obj(opts);
  const int64_t offset_ns = realtime_offset_ns();
  auto ring = RingBuffer::of<pb_udpconnect_event>(bpf_map__fd(obj.skel().maps.events),
                                                  bpf_map__fd(obj.skel().maps.events_lost),
                                                  [&](const pb_udpconnect_event& e) { sink.event(values_of(e, offset_ns)); });
  const int misses_fd = bpf_map__fd(obj.skel().maps.misses);
  run_ring_tool("udpconnect", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    if (final)
      if (uint64_t n = read_misses(misses_fd, PB_UDPCONNECT_UNREADABLE))
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
