#include "kernel_probes/tools/soaccept.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/soaccept.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's columns, in its order: PID PROCESS FAM ADDRESS PORT RESULT.
constexpr Field kEventFields[] = {
    {.name = "pid", .type = FieldType::kUint, .doc = "process (tgid) that called accept()/accept4()", .width = 6},
    {.name = "process", .type = FieldType::kString, .doc = "its task name", .width = 16},
    {.name = "fam", .type = FieldType::kUint,
     .doc = "the peer's address family (2 AF_INET, 10 AF_INET6; a failed accept: the listener's)", .width = 3},
    {.name = "address", .type = FieldType::kString,
     .doc = "peer address: accept's sockaddr after the call, else (NULL sockaddr) the new socket's; unknown when the accept failed",
     .width = 16, .nullable = true},
    {.name = "port", .type = FieldType::kUint, .doc = "peer port; unknown when the accept failed", .width = 5, .nullable = true},
    {.name = "result", .type = FieldType::kString, .doc = "Success (a new fd), else the errno's name (EAGAIN, EINTR, ...)"},
};

constexpr Field kSummaryFields[] = {
    {.name = "result", .type = FieldType::kString, .doc = "accept's result, as in the events", .width = 12},
    {.name = "count", .type = FieldType::kUint, .unit = "accepts", .doc = "accepts with that result in the span", .width = 8},
};

// The loaded soaccept object with the accept and accept4 tracepoints attached.
class SoacceptObject {
 public:
  explicit SoacceptObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(soaccept_bpf__open());
    if (!skel_) core::throw_errno("open BPF object soaccept");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = soaccept_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object soaccept");
    hooks_.select(skel_->obj, true);
    for (const char* ev : {"sys_enter_accept", "sys_exit_accept", "sys_enter_accept4", "sys_exit_accept4"})
      if (auto why = hooks_.problem(ev); !why.empty()) throw std::runtime_error("soaccept: " + why);
  }
  soaccept_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<soaccept_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Values values_of(const pb_soaccept_event& e) {
  return {uint64_t(e.pid),
          comm_of(e.comm, sizeof e.comm),
          uint64_t(e.family),
          e.peer_known ? core::Value(format_address(e.family, e.addr)) : core::Value(),
          e.peer_known ? core::Value(uint64_t(e.port)) : core::Value(),
          accept_result(e.ret)};
}

void run_soaccept(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SoacceptObject obj(opts);
  std::map<std::string, uint64_t> interval_results, total_results;
  auto ring = RingBuffer::of<pb_soaccept_event>(bpf_map__fd(obj.skel().maps.events),
                                                bpf_map__fd(obj.skel().maps.events_lost),
                                                [&](const pb_soaccept_event& e) {
                                                  core::Values v = values_of(e);
                                                  const std::string& result = std::get<std::string>(v.back());
                                                  ++interval_results[result];
                                                  ++total_results[result];
                                                  sink.event(v);
                                                });
  const int full_fd = bpf_map__fd(obj.skel().maps.accepts_full);
  run_ring_tool("soaccept", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    for (const auto& [result, n] : final ? total_results : interval_results) s.rows.push_back({result, n});
    interval_results.clear();
    if (final) {
      if (uint64_t full = sum_percpu(full_fd, 0, "soaccept accepts_full"))
        s.notes.push_back(fmt::format("{} accepts not followed: {} accepts in flight at once at most", full,
                                      PB_SOACCEPT_THREADS));
    }
    return s;
  });
}

ToolCheck check_soaccept() {
  for (const std::string& why :
       {missing_btf(), missing_tracepoint("syscalls", "sys_enter_accept"), missing_tracepoint("syscalls", "sys_exit_accept"),
        missing_tracepoint("syscalls", "sys_enter_accept4"), missing_tracepoint("syscalls", "sys_exit_accept4")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

std::string accept_result(int ret) {
  if (ret >= 0) return "Success";
  if (const char* name = strerrorname_np(-ret)) return name;
  return fmt::format("error {}", ret);
}

const Tool& soaccept_tool() {
  static const Tool tool{
      .schema = {.tool = "soaccept", .event_fields = kEventFields, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "accept()/accept4() calls on IPv4/IPv6 listeners: process, peer address and port, result",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptLport | kOptRport,
      .check = check_soaccept,
      .run = run_soaccept,
  };
  return tool;
}

}  // namespace pb::probes::tools
