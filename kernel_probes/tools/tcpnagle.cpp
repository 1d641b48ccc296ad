#include "kernel_probes/tools/tcpnagle.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

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
#include "kernel_probes/tools/tcpnagle.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's @flags map (ON, OFF, CORK, PUSH and their unions), counted per sendmsg.
constexpr Field kSummaryFields[] = {
    {.name = "nagle", .type = FieldType::kString,
     .doc = "tcp_sock.nonagle at the sendmsg: ON (Nagle on: 0), else OFF (TCP_NODELAY), CORK (TCP_CORK), PUSH "
            "(a push pending), joined with |",
     .width = 14},
    {.name = "sendmsgs", .type = FieldType::kUint, .unit = "calls", .doc = "TCP sendmsg calls made in that state",
     .width = 8},
};

constexpr Field kHistograms[] = {
    {.name = "blocked", .unit = "us",
     .doc = "from a sendmsg to the first transmit (net_dev_queue) of its data, the oldest waiting write per socket: "
            "Nagle, cork, cwnd, the peer's window, pacing and TSQ holds together"},
};

constexpr std::string_view kMeasures =
    "counts tcp_sock.nonagle once per TCP sendmsg (tcp:tcp_sendmsg_locked), not per tcp_write_xmit attempt as the "
    "book's kprobe (tcp_write_xmit has no tracepoint); its blocked time is each write's wait from sendmsg to the "
    "first net_dev_queue of its data, which every hold on the way (Nagle, cork, cwnd, receive window, pacing, TSQ) "
    "lengthens, not Nagle alone";

std::string flags_name(uint32_t v) {
  if (v == 0) return "ON";
  std::string out;
  for (auto [bit, name] : {std::pair{1u, "OFF"}, {2u, "CORK"}, {4u, "PUSH"}, {8u, "0x8"}})
    if (v & bit) {
      if (!out.empty()) out += '|';
      out += name;
    }
  return out;
}

// The loaded tcpnagle object: tcp_sendmsg_locked (tp_btf, else raw_tp) and net_dev_queue
// (tp_btf, else raw_tp, else tracepoint).
class TcpnagleObject {
 public:
  explicit TcpnagleObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(tcpnagle_bpf__open());
    if (!skel_) core::throw_errno("open BPF object tcpnagle");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = tcpnagle_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object tcpnagle");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"tcp_sendmsg_locked", "net_dev_queue"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error(fmt::format("tcpnagle: {}", why));
  }
  tcpnagle_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<tcpnagle_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

void run_tcpnagle(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  TcpnagleObject obj(opts);
  core::Histogram interval_us, total_us;
  auto ring = RingBuffer::of<pb_tcpnagle_sample>(bpf_map__fd(obj.skel().maps.events),
                                                 bpf_map__fd(obj.skel().maps.events_lost),
                                                 [&](const pb_tcpnagle_sample& e) {
                                                   interval_us.record(e.delay_ns / 1000);
                                                   total_us.record(e.delay_ns / 1000);
                                                 });
  const int counts_fd = bpf_map__fd(obj.skel().maps.counts);
  std::vector<uint64_t> before(PB_TCPNAGLE_FLAGS, 0);
  run_ring_tool("tcpnagle", obj.programs(), loop, *ring, sink, [&](bool final) {
    std::vector<uint64_t> now = sum_percpu_batch(counts_fd, PB_TCPNAGLE_FLAGS, "tcpnagle counts");
    core::Summary s;
    for (uint32_t v = 0; v < PB_TCPNAGLE_FLAGS; ++v)
      if (uint64_t d = final ? now[v] : now[v] - before[v]) s.rows.push_back({flags_name(v), d});
    s.histograms.push_back(final ? total_us : interval_us);
    interval_us = core::Histogram();
    if (final) s.notes.push_back(std::string(kMeasures));
    before = std::move(now);
    return s;
  });
}

ToolCheck check_tcpnagle() {
  for (const std::string& why :
       {missing_btf(), missing_tracepoint("tcp", "tcp_sendmsg_locked"), missing_tracepoint("net", "net_dev_queue"),
        missing_member("tcp_sock", "nonagle"), missing_member("tcp_sock", "write_seq")})
    if (!why.empty()) return {false, why};
  if (tracepoint_arity("tcp_sendmsg_locked") < 1)
    return {false, "tcp:tcp_sendmsg_locked has no BTF prototype here: its classic record carries no socket"};
  return {true, std::string("approximation: ") + std::string(kMeasures)};
}

}  // namespace

const Tool& tcpnagle_tool() {
  static const Tool tool{
      .schema = {.tool = "tcpnagle", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "approximation: TCP sendmsg calls by Nagle state (tcp_sock.nonagle: ON, OFF, CORK, PUSH), per sendmsg "
             "rather than per transmit attempt; blocked time as each write's wait for its first transmit",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptLport | kOptRport,
      .check = check_tcpnagle,
      .run = run_tcpnagle,
  };
  return tool;
}

}  // namespace pb::probes::tools
