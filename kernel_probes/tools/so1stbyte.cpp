#include "kernel_probes/tools/so1stbyte.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <signal.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/so1stbyte.skel.h"
#include "kernel_probes/tools/soconnect.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

constexpr Field kSummaryFields[] = {
    {.name = "comm", .type = FieldType::kString, .doc = "the task that read the first byte", .width = 16},
    {.name = "count", .type = FieldType::kUint, .unit = "sockets", .doc = "connected sockets that got their first byte in the span",
     .width = 6},
    {.name = "min_us", .type = FieldType::kUint, .unit = "us", .doc = "shortest connect -> first byte", .width = 8},
    {.name = "p50_us", .type = FieldType::kUint, .unit = "us", .doc = "median (within 1 %)", .width = 8},
    {.name = "p99_us", .type = FieldType::kUint, .unit = "us", .doc = "99th percentile (within 1 %)", .width = 8},
    {.name = "max_us", .type = FieldType::kUint, .unit = "us", .doc = "longest", .width = 8},
};

constexpr Field kHistograms[] = {
    {.name = "first_byte", .unit = "us",
     .doc = "connect() entry -> exit of the first read/readv/recvfrom/recvmsg/recvmmsg > 0 on that fd, every task"},
};

constexpr const char* kRequired[] = {"sys_enter_connect", "sys_exit_connect", "sys_enter_close"};

// The loaded so1stbyte object: connect, the read family and close.
class So1stbyteObject {
 public:
  explicit So1stbyteObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(so1stbyte_bpf__open());
    if (!skel_) core::throw_errno("open BPF object so1stbyte");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = so1stbyte_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object so1stbyte");
    hooks_.select(skel_->obj, true);
    for (const char* ev : kRequired)
      if (auto why = hooks_.problem(ev); !why.empty()) throw std::runtime_error("so1stbyte: " + why);
  }
  so1stbyte_bpf& skel() const { return *skel_; }
  const AttachedPrograms& programs() const { return hooks_.programs(); }

 private:
  SkelPtr<so1stbyte_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

// First-byte times of one span, per task name and over all.
struct Span {
  std::map<std::string, core::Histogram> by_comm;
  core::Histogram all;

  void record(const pb_so1stbyte_event& e) {
    by_comm[comm_of(e.comm, sizeof e.comm)].record(e.lat_ns / 1000);
    all.record(e.lat_ns / 1000);
  }
  core::Summary summary() const {
    core::Summary s;
    for (const auto& [comm, h] : by_comm)
      s.rows.push_back({comm, h.count(), h.min(), h.percentile(50), h.percentile(99), h.max()});
    s.histograms = {all};
    return s;
  }
};

// Drops the sockets of processes that are gone (their fds closed without close()) from
// the waiting table; returns how many were dropped and leaves the rest in `still`.
uint64_t sweep_exited(int fd, uint64_t& still) {
  std::vector<pb_so1stbyte_key> keys;
  pb_so1stbyte_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    keys.push_back(next);
    key = next;
    prev = &key;
  }
  uint64_t gone = 0;
  for (const auto& k : keys)
    if (kill(pid_t(k.pid), 0) != 0 && errno == ESRCH && bpf_map_delete_elem(fd, &k) == 0) ++gone;
  still = keys.size() - gone;
  return gone;
}

void run_so1stbyte(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  So1stbyteObject obj(opts);
  Span interval, total;
  auto ring = RingBuffer::of<pb_so1stbyte_event>(bpf_map__fd(obj.skel().maps.events),
                                                 bpf_map__fd(obj.skel().maps.events_lost),
                                                 [&](const pb_so1stbyte_event& e) {
                                                   interval.record(e);
                                                   total.record(e);
                                                 });
  const auto& maps = obj.skel().maps;
  uint64_t exited = 0;
  run_ring_tool("so1stbyte", obj.programs().active, loop, *ring, sink, [&](bool final) {
    core::Summary s = (final ? total : interval).summary();
    interval = Span();
    uint64_t still = 0;
    exited += sweep_exited(bpf_map__fd(maps.waiting), still);
    if (!final) return s;
    std::vector<uint64_t> n = sum_percpu_batch(bpf_map__fd(maps.counts), PB_SO1STBYTE_NCOUNTS, "so1stbyte counts");
    if (still) s.notes.push_back(fmt::format("{} connected sockets had no data read yet at the end", still));
    if (n[PB_SO1STBYTE_CLOSED])
      s.notes.push_back(fmt::format("{} connected sockets were closed before a read returned data", n[PB_SO1STBYTE_CLOSED]));
    if (exited) s.notes.push_back(fmt::format("{} connected sockets belonged to processes that exited before a read returned data", exited));
    if (uint64_t full = n[PB_SO1STBYTE_FULL])
      s.notes.push_back(fmt::format("{} connected sockets not followed: more than {} waiting at once", full, PB_SO1STBYTE_SOCKS));
    if (uint64_t full = n[PB_SO1STBYTE_READING_FULL])
      s.notes.push_back(fmt::format("{} reads on waiting sockets not followed: more than {} threads reading at once", full,
                                    PB_SO_CONNECT_THREADS));
    if (uint64_t full = sum_percpu(bpf_map__fd(maps.so_connects_full), 0, "so1stbyte so_connects_full"))
      s.notes.push_back(fmt::format("{} connects not followed: more than {} in flight at once", full, PB_SO_CONNECT_THREADS));
    for (const auto& u : obj.programs().unavailable)
      s.notes.push_back(fmt::format("{} not hooked ({}): first bytes read by it are not seen", u.name, u.reason));
    return s;
  });
}

ToolCheck check_so1stbyte() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("syscalls", "sys_enter_connect"),
                                 missing_tracepoint("syscalls", "sys_exit_connect"),
                                 missing_tracepoint("syscalls", "sys_exit_read"),
                                 missing_tracepoint("syscalls", "sys_exit_recvfrom"),
                                 missing_tracepoint("syscalls", "sys_enter_close")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& so1stbyte_tool() {
  static const Tool tool{
      .schema = {.tool = "so1stbyte", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "time from connect() to the first byte read on that socket (read/readv/recvfrom/recvmsg/recvmmsg), per task name",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptRport,
      .check = check_so1stbyte,
      .run = run_so1stbyte,
  };
  return tool;
}

}  // namespace pb::probes::tools
