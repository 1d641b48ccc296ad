#include "kernel_probes/tools/tcpsynbl.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>

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
#include "kernel_probes/tools/tcpsynbl.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book prints one histogram per backlog limit; here each (limit, backlog) pair is a
// row with its exact count, and one histogram holds every limit's backlogs.
constexpr Field kSummaryFields[] = {
    {.name = "limit", .type = FieldType::kUint, .doc = "the listener's accept-queue limit (sk_max_ack_backlog, from listen())",
     .width = 5},
    {.name = "backlog", .type = FieldType::kUint,
     .doc = "connections waiting in its accept queue when a new one was made (sk_ack_backlog)", .width = 7},
    {.name = "count", .type = FieldType::kUint, .unit = "connections", .doc = "new connections seen at that queue length",
     .width = 7},
};

constexpr Field kHistograms[] = {
    {.name = "backlog", .unit = "connections", .doc = "accept-queue length at each new connection, every limit together"},
};

// The loaded tcpsynbl object with inet_sock_set_state hooked (tp_btf, else raw_tp, else tracepoint).
class TcpsynblObject {
 public:
  explicit TcpsynblObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(tcpsynbl_bpf__open());
    if (!skel_) core::throw_errno("open BPF object tcpsynbl");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = tcpsynbl_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object tcpsynbl");
    hooks_.select(skel_->obj, true);
    if (hooks_.programs().active.empty()) throw std::runtime_error("tcpsynbl: " + hooks_.problem("inet_sock_set_state"));
  }
  tcpsynbl_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<tcpsynbl_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

using Counts = std::map<std::pair<uint32_t, uint32_t>, uint64_t>;  // (limit, backlog) -> connections

Counts read_counts(int fd) {
  Counts out;
  pb_tcpsynbl_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    uint64_t n = 0;
    if (bpf_map_lookup_elem(fd, &next, &n) == 0 && n) out[{next.limit, next.backlog}] = n;
    key = next;
    prev = &key;
  }
  return out;
}

std::string overflow_note(const TcpCounters& from, const TcpCounters& now) {
  if (!now.problem.empty()) return "SYNs dropped on a full accept queue: netns counters not read: " + now.problem;
  auto delta = [&](const char* name) {
    auto b = from.values.find(name), n = now.values.find(name);
    return b == from.values.end() || n == now.values.end() ? std::string("?") : fmt::format("{}", n->second - b->second);
  };
  return fmt::format("SYNs dropped on a full accept queue: TcpExt ListenOverflows +{}, ListenDrops +{} "
                     "(the netns' counters: every listener in it, no port filter)",
                     delta("TcpExt:ListenOverflows"), delta("TcpExt:ListenDrops"));
}

void run_tcpsynbl(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  TcpsynblObject obj(opts);
  // Nothing is sent through the ring; it is polled only so the loop is the one every tool runs.
  auto ring = RingBuffer::of<uint64_t>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                       [](const uint64_t&) {});
  const int counts_fd = bpf_map__fd(obj.skel().maps.counts);
  const int uncounted_fd = bpf_map__fd(obj.skel().maps.uncounted);
  const TcpCounters start = tcp_counters(opts);
  TcpCounters previous = start;
  Counts before;
  run_ring_tool("tcpsynbl", obj.programs(), loop, *ring, sink, [&](bool final) {
    Counts now = read_counts(counts_fd);
    TcpCounters counters = tcp_counters(opts);
    core::Summary s;
    core::Histogram h;
    for (const auto& [key, n] : now) {
      auto it = before.find(key);
      uint64_t d = final ? n : n - (it == before.end() ? 0 : it->second);
      if (!d) continue;
      s.rows.push_back({uint64_t(key.first), uint64_t(key.second), d});
      h.record(key.second, d);
    }
    s.histograms.push_back(h);
    s.notes.push_back(overflow_note(final ? start : previous, counters));
    if (final)
      if (uint64_t lost = sum_percpu(uncounted_fd, 0, "tcpsynbl uncounted"))
        s.notes.push_back(fmt::format("{} connections not counted: more than {} (limit, backlog) pairs", lost,
                                      PB_TCPSYNBL_MAX_KEYS));
    before = std::move(now);
    previous = std::move(counters);
    return s;
  });
}

ToolCheck check_tcpsynbl() {
  for (const std::string& why :
       {missing_btf(), missing_tracepoint("sock", "inet_sock_set_state"), missing_member("sock", "sk_ack_backlog"),
        missing_member("sock", "sk_max_ack_backlog")})
    if (!why.empty()) return {false, why};
  return {true, "SYNs dropped on a full queue come from the netns' TcpExt ListenOverflows/ListenDrops (no event fires)"};
}

}  // namespace

const Tool& tcpsynbl_tool() {
  static const Tool tool{
      .schema = {.tool = "tcpsynbl", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "TCP accept-queue length at each new connection, per listen() limit; SYNs dropped on a full queue from "
             "TcpExt ListenOverflows",
      .options = kOptNetns | kOptInterval | kOptLport,
      .check = check_tcpsynbl,
      .run = run_tcpsynbl,
  };
  return tool;
}

}  // namespace pb::probes::tools
