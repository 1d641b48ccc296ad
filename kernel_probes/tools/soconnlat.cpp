#include "kernel_probes/tools/soconnlat.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/soconnect.h"
#include "kernel_probes/tools/soconnlat.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

constexpr Field kSummaryFields[] = {
    {.name = "measure", .type = FieldType::kString,
     .doc = "connect: the syscall as the book times it (an EINPROGRESS connect until its thread's next "
            "poll/select/epoll return > 0); handshake: the kernel's SYN_SENT -> ESTABLISHED or CLOSE",
     .width = 9},
    {.name = "comm", .type = FieldType::kString, .doc = "the connecting task's name", .width = 16},
    {.name = "count", .type = FieldType::kUint, .unit = "connects", .doc = "connects timed in the span", .width = 6},
    {.name = "errors", .type = FieldType::kUint, .unit = "connects",
     .doc = "of those, connect: calls that returned an error (not EINPROGRESS); handshake: SYN_SENT -> CLOSE "
            "(refused, reset, timed out)",
     .width = 6},
    {.name = "min_us", .type = FieldType::kUint, .unit = "us", .doc = "shortest", .width = 8},
    {.name = "p50_us", .type = FieldType::kUint, .unit = "us", .doc = "median (within 1 %)", .width = 8},
    {.name = "p99_us", .type = FieldType::kUint, .unit = "us", .doc = "99th percentile (within 1 %)", .width = 8},
    {.name = "max_us", .type = FieldType::kUint, .unit = "us", .doc = "longest", .width = 8},
};

constexpr Field kHistograms[] = {
    {.name = "connect", .unit = "us",
     .doc = "connect() latency of every task in the span, as the book times it (the rows' connect measure)"},
    {.name = "handshake", .unit = "us", .doc = "kernel TCP handshakes (SYN_SENT -> ESTABLISHED or CLOSE) in the span"},
};

constexpr const char* kRequired[] = {"sys_enter_connect", "sys_exit_connect", "inet_sock_set_state"};

// The loaded soconnlat object: the connect tracepoints, the poll family's exits and
// inet_sock_set_state (tp_btf, else raw_tp, else tracepoint).
class SoconnlatObject {
 public:
  explicit SoconnlatObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(soconnlat_bpf__open());
    if (!skel_) core::throw_errno("open BPF object soconnlat");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = soconnlat_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object soconnlat");
    hooks_.select(skel_->obj, true);
    for (const char* ev : kRequired)
      if (auto why = hooks_.problem(ev); !why.empty()) throw std::runtime_error("soconnlat: " + why);
  }
  soconnlat_bpf& skel() const { return *skel_; }
  const AttachedPrograms& programs() const { return hooks_.programs(); }

 private:
  SkelPtr<soconnlat_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

// Latencies of one span: per (measure, comm), and per measure over every task.
struct Span {
  struct Cell {
    core::Histogram us;
    uint64_t errors = 0;
  };
  std::map<std::pair<std::string, std::string>, Cell> by_comm;
  core::Histogram connect, handshake;
  uint64_t polled = 0;  // connect times that ended at a poll-family return

  void record(const pb_soconnlat_event& e) {
    const bool hs = e.kind == PB_SOCONNLAT_HANDSHAKE || e.kind == PB_SOCONNLAT_REFUSED;
    const uint64_t us = e.lat_ns / 1000;
    Cell& c = by_comm[{hs ? "handshake" : "connect", comm_of(e.comm, sizeof e.comm)}];
    c.us.record(us);
    if (e.kind == PB_SOCONNLAT_REFUSED || (e.kind == PB_SOCONNLAT_CONNECT && e.ret < 0)) ++c.errors;
    (hs ? handshake : connect).record(us);
    if (e.kind == PB_SOCONNLAT_POLLED) ++polled;
  }

  core::Summary summary() const {
    core::Summary s;
    for (const auto& [key, c] : by_comm)
      s.rows.push_back({key.first, key.second, c.us.count(), c.errors, c.us.min(), c.us.percentile(50),
                        c.us.percentile(99), c.us.max()});
    s.histograms = {connect, handshake};
    return s;
  }
};

uint64_t map_entries(int fd) {
  uint64_t n = 0, key = 0, next = 0;
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    ++n;
    key = next;
    prev = &key;
  }
  return n;
}

void run_soconnlat(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SoconnlatObject obj(opts);
  Span interval, total;
  auto ring = RingBuffer::of<pb_soconnlat_event>(bpf_map__fd(obj.skel().maps.events),
                                                 bpf_map__fd(obj.skel().maps.events_lost),
                                                 [&](const pb_soconnlat_event& e) {
                                                   interval.record(e);
                                                   total.record(e);
                                                 });
  const auto& maps = obj.skel().maps;
  run_ring_tool("soconnlat", obj.programs().active, loop, *ring, sink, [&](bool final) {
    core::Summary s = (final ? total : interval).summary();
    interval = Span();
    if (!final) return s;
    if (total.polled)
      s.notes.push_back(fmt::format("{} connect times are EINPROGRESS connects timed to their thread's next "
                                    "poll/select/epoll return > 0 (the book's rule: that return may be for another fd)",
                                    total.polled));
    if (uint64_t n = map_entries(bpf_map__fd(maps.inprogress)))
      s.notes.push_back(fmt::format("{} EINPROGRESS connects saw no poll/select/epoll return > 0 on their thread: not timed", n));
    std::vector<uint64_t> full = sum_percpu_batch(bpf_map__fd(maps.counts), PB_SOCONNLAT_NCOUNTS, "soconnlat counts");
    if (uint64_t n = full[PB_SOCONNLAT_INPROGRESS_FULL] + sum_percpu(bpf_map__fd(maps.so_connects_full), 0, "soconnlat so_connects_full"))
      s.notes.push_back(fmt::format("{} connects not timed: more than {} in flight at once", n, PB_SO_CONNECT_THREADS));
    if (uint64_t n = full[PB_SOCONNLAT_SYN_FULL])
      s.notes.push_back(fmt::format("{} handshakes not timed: more than {} in flight at once", n, PB_SOCONNLAT_SOCKS));
    for (const auto& u : obj.programs().unavailable)
      s.notes.push_back(fmt::format("{} not hooked ({}): EINPROGRESS connects completed by it are not timed", u.name, u.reason));
    return s;
  });
}

ToolCheck check_soconnlat() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("syscalls", "sys_enter_connect"),
                                 missing_tracepoint("syscalls", "sys_exit_connect"),
                                 missing_tracepoint("sock", "inet_sock_set_state")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& soconnlat_tool() {
  static const Tool tool{
      .schema = {.tool = "soconnlat", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "connect() latency per task name: the syscall as the book times it, and the kernel's TCP handshake "
             "(not by user stack as in the book: without frame pointers and user symbols they mean little)",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptRport,
      .check = check_soconnlat,
      .run = run_soconnlat,
  };
  return tool;
}

}  // namespace pb::probes::tools
