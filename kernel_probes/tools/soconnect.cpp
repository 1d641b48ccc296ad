#include "kernel_probes/tools/soconnect.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/soconnect.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's columns, in its order: PID PROCESS FAM ADDRESS PORT LAT(us) RESULT.
constexpr Field kEventFields[] = {
    {.name = "pid", .type = FieldType::kUint, .doc = "process (tgid) that called connect()", .width = 6},
    {.name = "process", .type = FieldType::kString, .doc = "its task name", .width = 16},
    {.name = "fam", .type = FieldType::kUint, .doc = "address family of the destination: 2 AF_INET, 10 AF_INET6", .width = 3},
    {.name = "address", .type = FieldType::kString, .doc = "destination address (connect's sockaddr)", .width = 16},
    {.name = "port", .type = FieldType::kUint, .doc = "destination port", .width = 5},
    {.name = "lat_us", .type = FieldType::kUint, .unit = "us",
     .doc = "time in the connect() syscall, rounded down (a non-blocking connect returns before the handshake)",
     .width = 8},
    {.name = "result", .type = FieldType::kString,
     .doc = "the book's words for connect's result: Success, In progress (EINPROGRESS), Connect refused "
            "(ECONNREFUSED), ...; the errno name for others"},
};

constexpr Field kSummaryFields[] = {
    {.name = "result", .type = FieldType::kString, .doc = "connect's result, as in the events", .width = 24},
    {.name = "count", .type = FieldType::kUint, .unit = "connects", .doc = "connects with that result in the span", .width = 8},
};

constexpr Field kHistograms[] = {
    {.name = "latency", .unit = "us", .doc = "time in connect() (the lat_us column) of the connects in the span"},
};

// The loaded soconnect object with both connect tracepoints attached.
class SoconnectObject {
 public:
  explicit SoconnectObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(soconnect_bpf__open());
    if (!skel_) core::throw_errno("open BPF object soconnect");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = soconnect_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object soconnect");
    hooks_.select(skel_->obj, true);
    for (const char* ev : {"sys_enter_connect", "sys_exit_connect"})
      if (auto why = hooks_.problem(ev); !why.empty()) throw std::runtime_error("soconnect: " + why);
  }
  soconnect_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<soconnect_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Values values_of(const pb_soconnect_event& e) {
  return {uint64_t(e.pid),
          comm_of(e.comm, sizeof e.comm),
          uint64_t(e.family),
          format_address(e.family, e.addr),
          uint64_t(e.port),
          uint64_t(e.lat_ns / 1000),
          connect_result(e.ret)};
}

void run_soconnect(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SoconnectObject obj(opts);
  core::Histogram interval_us, total_us;
  std::map<std::string, uint64_t> interval_results, total_results;
  auto ring = RingBuffer::of<pb_soconnect_event>(bpf_map__fd(obj.skel().maps.events),
                                                 bpf_map__fd(obj.skel().maps.events_lost),
                                                 [&](const pb_soconnect_event& e) {
                                                   core::Values v = values_of(e);
                                                   const std::string& result = std::get<std::string>(v.back());
                                                   ++interval_results[result];
                                                   ++total_results[result];
                                                   interval_us.record(e.lat_ns / 1000);
                                                   total_us.record(e.lat_ns / 1000);
                                                   sink.event(v);
                                                 });
  const int full_fd = bpf_map__fd(obj.skel().maps.so_connects_full);
  run_ring_tool("soconnect", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    for (const auto& [result, n] : final ? total_results : interval_results) s.rows.push_back({result, n});
    s.histograms.push_back(final ? total_us : interval_us);
    interval_us = core::Histogram();
    interval_results.clear();
    if (final) {
      if (uint64_t full = sum_percpu(full_fd, 0, "soconnect so_connects_full"))
        s.notes.push_back(fmt::format("{} connects not followed: {} connects in flight at once at most",
                                      full, PB_SO_CONNECT_THREADS));
    }
    return s;
  });
}

ToolCheck check_soconnect() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("syscalls", "sys_enter_connect"),
                                 missing_tracepoint("syscalls", "sys_exit_connect")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

std::string connect_result(int ret) {
  // The book's table (connect(2)'s errors, worded by soconnect.bt).
  static const std::map<int, const char*> kWords = {
      {0, "Success"},
      {EPERM, "Permission denied"},
      {EINTR, "Interrupted"},
      {EBADF, "Invalid sockfd"},
      {EAGAIN, "Routing cache insuff."},
      {EACCES, "Perm. denied (EACCES)"},
      {EFAULT, "Sock struct addr invalid"},
      {ENOTSOCK, "FD not a socket"},
      {EPROTOTYPE, "Socket protocol error"},
      {EAFNOSUPPORT, "Address family invalid"},
      {EADDRINUSE, "Local addr in use"},
      {EADDRNOTAVAIL, "No port available"},
      {ENETUNREACH, "Network unreachable"},
      {EISCONN, "Already connected"},
      {ETIMEDOUT, "Timeout"},
      {ECONNREFUSED, "Connect refused"},
      {EALREADY, "Not yet completed"},
      {EINPROGRESS, "In progress"},
  };
  if (auto it = kWords.find(-ret); it != kWords.end()) return it->second;
  if (ret < 0)
    if (const char* name = strerrorname_np(-ret)) return name;
  return fmt::format("error {}", ret);
}

const Tool& soconnect_tool() {
  static const Tool tool{
      .schema = {.tool = "soconnect", .event_fields = kEventFields, .summary_fields = kSummaryFields,
                 .histograms = kHistograms},
      .doc = "connect() calls to IPv4/IPv6 addresses: process, destination, time in the syscall, result",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptRport,
      .check = check_soconnect,
      .run = run_soconnect,
  };
  return tool;
}

}  // namespace pb::probes::tools
