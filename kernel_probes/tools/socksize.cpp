#include "kernel_probes/tools/socksize.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "bench/core/histogram_buckets.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/socksize.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// Per comm and direction, the book's socksizestat.bt line: count, average, total.
constexpr Field kSummaryFields[] = {
    {.name = "comm", .type = FieldType::kString, .doc = "task name of the caller", .width = 16},
    {.name = "dir", .type = FieldType::kString, .doc = "read (sock_recv_length) or write (sock_send_length)", .width = 5},
    {.name = "count", .type = FieldType::kUint, .unit = "calls", .doc = "calls that moved data in the span", .width = 8},
    {.name = "average", .type = FieldType::kFloat, .unit = "bytes", .doc = "their mean size", .width = 9, .decimals = 1},
    {.name = "total", .type = FieldType::kUint, .unit = "bytes", .doc = "the bytes they moved", .width = 11},
};

// Over every comm the filters let through: one comm's distribution is `--comm NAME`.
constexpr Field kHistograms[] = {
    {.name = "read", .unit = "bytes", .doc = "sizes of socket reads that returned data (sock_recv_length ret > 0, not MSG_PEEK)"},
    {.name = "write", .unit = "bytes", .doc = "sizes of socket writes that sent data (sock_send_length ret > 0)"},
};

// The loaded socksize object with sock_send_length and sock_recv_length hooked.
class SocksizeObject {
 public:
  explicit SocksizeObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(socksize_bpf__open());
    if (!skel_) core::throw_errno("open BPF object socksize");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = socksize_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object socksize");
    hooks_.select(skel_->obj, true);
    for (const char* ev : {"sock_send_length", "sock_recv_length"})
      if (auto why = hooks_.problem(ev); !why.empty()) throw std::runtime_error(fmt::format("socksize: {}: {}", ev, why));
  }
  socksize_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<socksize_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

using Counts = std::map<std::pair<std::string, uint32_t>, pb_socksize_value>;  // (comm, dir)

Counts read_counts(int fd) {
  Counts out;
  for_each_percpu<pb_socksize_key, pb_socksize_value>(fd, "socksize counts", [&](const pb_socksize_key& k, const auto& cpus) {
    pb_socksize_value sum{};
    for (const auto& c : cpus) {
      sum.count += c.count;
      sum.bytes += c.bytes;
    }
    out[{comm_of(k.comm, sizeof k.comm), k.dir}] = sum;
  });
  return out;
}

void run_socksize(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SocksizeObject obj(opts);
  auto ring = RingBuffer::of<uint64_t>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                       [](const uint64_t&) {});
  const int hist_fd = bpf_map__fd(obj.skel().maps.hist), comms_fd = bpf_map__fd(obj.skel().maps.comms),
            full_fd = bpf_map__fd(obj.skel().maps.keys_full);
  Counts before;
  std::vector<uint64_t> hist_before;
  run_ring_tool("socksize", obj.programs(), loop, *ring, sink, [&](bool final) {
    std::vector<uint64_t> hist_now = sum_percpu_batch(hist_fd, 2 * PB_HIST_NBUCKETS, "socksize histograms");
    Counts now = read_counts(comms_fd);
    core::Summary s;
    for (uint32_t dir : {PB_SOCK_READ, PB_SOCK_WRITE})
      s.histograms.push_back(histogram_delta(hist_now, final ? std::vector<uint64_t>{} : hist_before, dir));
    std::vector<std::pair<std::pair<std::string, uint32_t>, pb_socksize_value>> rows;
    for (const auto& [key, v] : now) {
      pb_socksize_value d = v;
      if (auto it = before.find(key); !final && it != before.end()) {
        d.count -= it->second.count;
        d.bytes -= it->second.bytes;
      }
      if (d.count) rows.emplace_back(key, d);
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second.bytes != b.second.bytes ? a.second.bytes > b.second.bytes : a.first < b.first;
    });
    for (const auto& [k, v] : rows)
      s.rows.push_back({k.first, std::string(k.second == PB_SOCK_READ ? "read" : "write"), v.count,
                        double(v.bytes) / double(v.count), v.bytes});
    if (uint64_t full = sum_percpu(full_fd, 0, "socksize keys_full"))
      s.notes.push_back(fmt::format("{} calls missing from the per-comm rows (not the histograms): the comm map is full "
                                    "({} keys)",
                                    full, PB_SOCKSIZE_MAX_KEYS));
    before = std::move(now);
    hist_before = std::move(hist_now);
    return s;
  });
}

ToolCheck check_socksize() {
  for (const std::string& why :
       {missing_btf(), missing_tracepoint("sock", "sock_send_length"), missing_tracepoint("sock", "sock_recv_length")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& socksize_tool() {
  static const Tool tool{
      .schema = {.tool = "socksize", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "sizes of socket reads and writes: read and write histograms over the traced comms (--comm for one), "
             "count, average and total per comm",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptLport | kOptRport,
      .check = check_socksize,
      .run = run_socksize,
  };
  return tool;
}

}  // namespace pb::probes::tools
