#include "kernel_probes/tools/sockstat.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/unique_fd.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/sockstat.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book prints its counts every second; so does sockstat when --interval is not given.
constexpr double kDefaultIntervalS = 1.0;

// The rows' probe names, by slot: the book's names (bpftrace's), with the two sock
// tracepoints in place of its kprobe:sock_sendmsg / kprobe:sock_recvmsg.
constexpr std::array<const char*, PB_SOCKSTAT_NPROBES> kProbeNames = {
    "tracepoint:syscalls:sys_enter_socket",  "tracepoint:syscalls:sys_enter_socketpair",
    "tracepoint:syscalls:sys_enter_bind",    "tracepoint:syscalls:sys_enter_connect",
    "tracepoint:syscalls:sys_enter_accept",  "tracepoint:syscalls:sys_enter_accept4",
    "tracepoint:sock:sock_send_length",      "tracepoint:sock:sock_recv_length",
};

constexpr Field kSummaryFields[] = {
    {.name = "probe", .type = FieldType::kString,
     .doc = "what was counted: a syscall entry (socket, socketpair, bind, connect, accept, accept4), or "
            "sock_send_length / sock_recv_length (one per sock_sendmsg / sock_recvmsg, i.e. per message)",
     .width = 40},
    {.name = "count", .type = FieldType::kUint, .unit = "calls", .doc = "calls in the span (exact, per-CPU counters)",
     .width = 8},
};

// The loaded sockstat object: six syscall tracepoints, and sock_send_length /
// sock_recv_length hooked tp_btf, else raw_tp, else tracepoint.
class SockstatObject {
 public:
  explicit SockstatObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(sockstat_bpf__open());
    if (!skel_) core::throw_errno("open BPF object sockstat");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = sockstat_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object sockstat");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"sys_enter_socket", "sys_enter_socketpair", "sys_enter_bind", "sys_enter_connect",
                              "sys_enter_accept", "sys_enter_accept4", "sock_send_length", "sock_recv_length"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error("sockstat: " + why);
  }
  sockstat_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<sockstat_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

using Counts = std::array<uint64_t, PB_SOCKSTAT_NPROBES>;

// The per-CPU counters summed over the CPUs.
Counts read_counts(int fd) {
  Counts out{};
  for (uint32_t slot = 0; slot < PB_SOCKSTAT_NPROBES; ++slot) out[slot] = sum_percpu(fd, slot, "sockstat counters");
  return out;
}

void run_sockstat(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SockstatObject obj(opts);
  // Nothing goes through the ring; it is polled like every tool's so the loop is the same.
  auto ring = RingBuffer::of<uint64_t>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                       [](const uint64_t&) {});
  const int counts_fd = bpf_map__fd(obj.skel().maps.counts);
  Counts before{};
  auto summarize = [&](bool final) {
    Counts now = read_counts(counts_fd);
    core::Summary s;
    for (size_t i = 0; i < now.size(); ++i)
      s.rows.push_back({std::string(kProbeNames[i]), final ? now[i] : now[i] - before[i]});
    before = now;
    return s;
  };
  // Without --interval: the book's one-second summaries, from a timer of our own
  // (run_ring_tool ticks only on --interval).
  core::UniqueFd timer;
  double last_at = 0;
  if (loop.options().interval_s <= 0) {
    timer.reset(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!timer) core::throw_errno("sockstat: timerfd_create");
    itimerspec its{};
    its.it_value.tv_sec = its.it_interval.tv_sec = time_t(kDefaultIntervalS);
    if (timerfd_settime(timer.get(), 0, &its, nullptr) != 0) core::throw_errno("sockstat: timerfd_settime");
    loop.add_fd(timer.get(), [&] {
      uint64_t expirations = 0;
      if (::read(timer.get(), &expirations, sizeof expirations) != ssize_t(sizeof expirations)) return;
      core::Summary s = summarize(false);
      s.elapsed_s = loop.elapsed_s();
      s.interval_s = s.elapsed_s - last_at;
      last_at = s.elapsed_s;
      sink.summary(s);
    });
  }
  run_ring_tool("sockstat", obj.programs(), loop, *ring, sink, summarize);
}

ToolCheck check_sockstat() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  for (const char* event :
       {"sys_enter_socket", "sys_enter_socketpair", "sys_enter_bind", "sys_enter_connect", "sys_enter_accept", "sys_enter_accept4"})
    if (auto why = missing_tracepoint("syscalls", event); !why.empty()) return {false, why};
  for (const char* event : {"sock_send_length", "sock_recv_length"})
    if (auto why = missing_tracepoint("sock", event); !why.empty())
      return {false, why + " (it replaces the book's kprobe on sock_sendmsg/sock_recvmsg; Linux 6.3+)"};
  return {true, ""};
}

}  // namespace

const Tool& sockstat_tool() {
  static const Tool tool{
      .schema = {.tool = "sockstat", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "counts of socket(), socketpair(), bind(), connect(), accept(), accept4() calls and of socket "
             "sends/receives (per message), every second (or --interval) and in total",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval,
      .check = check_sockstat,
      .run = run_sockstat,
  };
  return tool;
}

}  // namespace pb::probes::tools
