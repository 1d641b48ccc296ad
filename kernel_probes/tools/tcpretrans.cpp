#include "kernel_probes/tools/tcpretrans.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <time.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/tcpretrans.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's columns, in its order: TIME PID LADDR:LPORT RADDR:RPORT STATE (an address
// and its port are two fields here), then the retransmit's error.
constexpr Field kEventFields[] = {
    {.name = "time", .type = FieldType::kString, .doc = "local time of the retransmit (HH:MM:SS)", .width = 8},
    {.name = "pid", .type = FieldType::kUint, .doc = "the task on the CPU (0 in softirq and timers, the usual case)",
     .width = 7},
    {.name = "laddr", .type = FieldType::kString, .doc = "local address", .width = 15},
    {.name = "lport", .type = FieldType::kUint, .doc = "local port", .width = 5},
    {.name = "raddr", .type = FieldType::kString, .doc = "remote address", .width = 15},
    {.name = "rport", .type = FieldType::kUint, .doc = "remote port", .width = 5},
    {.name = "state", .type = FieldType::kString,
     .doc = "TCP state of the socket (SYN_RECV: a SYN-ACK retransmitted for a request socket)", .width = 11},
    {.name = "err", .type = FieldType::kInt, .doc = "0, or the -errno of a retransmit the kernel could not send", .width = 4},
};

constexpr Field kSummaryFields[] = {
    {.name = "retransmits", .type = FieldType::kUint, .unit = "segments",
     .doc = "tcp_retransmit_skb events in the span that were sent (err 0)", .width = 11},
    {.name = "failed", .type = FieldType::kUint, .unit = "segments", .doc = "tcp_retransmit_skb events with an error",
     .width = 6},
    {.name = "synacks", .type = FieldType::kUint, .unit = "segments", .doc = "SYN-ACKs retransmitted (tcp_retransmit_synack)",
     .width = 7},
    {.name = "retrans_segs", .type = FieldType::kUint, .unit = "segments",
     .doc = "the netns' Tcp RetransSegs delta (includes tail loss probes that resend data, and segments of GSO "
            "retransmits)",
     .width = 12, .nullable = true},
    {.name = "tlp", .type = FieldType::kUint, .unit = "probes",
     .doc = "tail loss probes sent: the netns' TcpExt TCPLossProbes delta (no tracepoint fires for them)", .width = 5,
     .nullable = true},
    {.name = "tlp_recovery", .type = FieldType::kUint, .unit = "recoveries",
     .doc = "losses repaired by a tail loss probe: TcpExt TCPLossProbeRecovery delta", .width = 12, .nullable = true},
};

std::string state_name(uint16_t state) {
  static constexpr const char* kNames[] = {"?",         "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
                                           "FIN_WAIT2", "TIME_WAIT",   "CLOSE",    "CLOSE_WAIT", "LAST_ACK",
                                           "LISTEN",    "CLOSING",     "NEW_SYN_RECV"};
  return state < std::size(kNames) ? kNames[state] : fmt::format("{}", state);
}

// The loaded tcpretrans object: tcp_retransmit_skb and tcp_retransmit_synack, each
// tp_btf, else raw_tp, else tracepoint.
class TcpretransObject {
 public:
  explicit TcpretransObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(tcpretrans_bpf__open());
    if (!skel_) core::throw_errno("open BPF object tcpretrans");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = tcpretrans_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object tcpretrans");
    hooks_.select(skel_->obj, true);
    if (auto why = hooks_.problem("tcp_retransmit_skb"); !why.empty()) throw std::runtime_error("tcpretrans: " + why);
  }
  tcpretrans_bpf& skel() const { return *skel_; }
  const HookSet& hooks() const { return hooks_; }

 private:
  SkelPtr<tcpretrans_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

core::Value delta_of(const TcpCounters& before, const TcpCounters& now, const std::string& name) {
  auto b = before.values.find(name), n = now.values.find(name);
  if (b == before.values.end() || n == now.values.end()) return {};
  return uint64_t(n->second - b->second);
}

void run_tcpretrans(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  TcpretransObject obj(opts);
  struct Counts {
    uint64_t retransmits = 0, failed = 0, synacks = 0;
  } interval, total;
  auto ring = RingBuffer::of<pb_tcpretrans_event>(
      bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost), [&](const pb_tcpretrans_event& e) {
        sink.event({clock_time_of(e.ts_ns), uint64_t(e.pid), format_address(e.family, e.laddr), uint64_t(e.lport),
                    format_address(e.family, e.raddr), uint64_t(e.rport), state_name(e.state), int64_t(e.err)});
        for (Counts* c : {&interval, &total}) ++(e.synack ? c->synacks : e.err ? c->failed : c->retransmits);
      });
  const TcpCounters start = tcp_counters(opts);
  TcpCounters previous = start;
  run_ring_tool("tcpretrans", obj.hooks().programs().active, loop, *ring, sink, [&](bool final) {
    TcpCounters now = tcp_counters(opts);
    const TcpCounters& from = final ? start : previous;
    const Counts& c = final ? total : interval;
    core::Summary s;
    s.rows.push_back({c.retransmits, c.failed, c.synacks, delta_of(from, now, "Tcp:RetransSegs"),
                      delta_of(from, now, "TcpExt:TCPLossProbes"), delta_of(from, now, "TcpExt:TCPLossProbeRecovery")});
    if (final) {
      if (!now.problem.empty()) s.notes.push_back("netns counters not read: " + now.problem);
      if (auto why = obj.hooks().problem("tcp_retransmit_synack"); !why.empty())
        s.notes.push_back("SYN-ACK retransmits not traced: " + why);
      if (!opts.lports.empty() || !opts.rports.empty())
        s.notes.push_back("the netns counters count every socket of the netns: the port filters do not apply to them");
    }
    previous = std::move(now);
    interval = {};
    return s;
  });
}

ToolCheck check_tcpretrans() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("tcp", "tcp_retransmit_skb")})
    if (!why.empty()) return {false, why};
  if (int n = tracepoint_arity("tcp_retransmit_skb"); n >= 0 && n < 3)
    return {false, "tcp:tcp_retransmit_skb carries no err on this kernel (added in Linux 6.10); the tool reads it"};
  return {true, "tail loss probes have no tracepoint: counted from TcpExt TCPLossProbes in the summary"};
}

}  // namespace

const Tool& tcpretrans_tool() {
  static const Tool tool{
      .schema = {.tool = "tcpretrans", .event_fields = kEventFields, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "TCP retransmits (and SYN-ACK retransmits): time, addresses, ports, state; tail loss probes counted from "
             "the netns' TcpExt counters",
      .options = kOptNetns | kOptInterval | kOptLport | kOptRport,
      .check = check_tcpretrans,
      .run = run_tcpretrans,
  };
  return tool;
}

}  // namespace pb::probes::tools
