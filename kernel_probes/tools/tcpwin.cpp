#include "kernel_probes/tools/tcpwin.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <time.h>

#include <memory>
#include <string>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/tcpwin.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's CSV columns, in its order (sock,time_us,snd_cwnd,snd_ssthresh,sk_sndbuf,
// sk_wmem_queued; its constant first column "rcv" left out), then which socket and segment.
constexpr Field kEventFields[] = {
    {.name = "sock", .type = FieldType::kString, .doc = "the socket (struct sock address), as the book keys its rows",
     .width = 18},
    {.name = "time_us", .type = FieldType::kUint, .unit = "us", .doc = "time since the tool started tracing", .width = 10},
    {.name = "snd_cwnd", .type = FieldType::kUint, .unit = "segments", .doc = "congestion window (tcp_sock.snd_cwnd)",
     .width = 8},
    {.name = "snd_ssthresh", .type = FieldType::kUint, .unit = "segments",
     .doc = "slow-start threshold (tcp_sock.snd_ssthresh; 2147483647: not set yet)", .width = 12},
    {.name = "sk_sndbuf", .type = FieldType::kUint, .unit = "bytes", .doc = "send buffer size (sock.sk_sndbuf)", .width = 9},
    {.name = "sk_wmem_queued", .type = FieldType::kUint, .unit = "bytes",
     .doc = "bytes queued to send, sent or not yet acknowledged (sock.sk_wmem_queued)", .width = 14},
    {.name = "lport", .type = FieldType::kUint, .doc = "local port of the receiving socket", .width = 5},
    {.name = "rport", .type = FieldType::kUint, .doc = "remote port", .width = 5},
    {.name = "data_len", .type = FieldType::kUint, .unit = "bytes",
     .doc = "payload of the segment received (0: a pure ACK)", .width = 8},
};

uint64_t mono_now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return uint64_t(t.tv_sec) * 1000000000 + uint64_t(t.tv_nsec);
}

// The loaded tcpwin object with tcp_probe hooked (tp_btf, else raw_tp, else tracepoint).
class TcpwinObject {
 public:
  explicit TcpwinObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(tcpwin_bpf__open());
    if (!skel_) core::throw_errno("open BPF object tcpwin");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = tcpwin_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object tcpwin");
    hooks_.select(skel_->obj, true);
    if (hooks_.programs().active.empty()) throw std::runtime_error("tcpwin: " + hooks_.problem("tcp_probe"));
  }
  tcpwin_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<tcpwin_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

void run_tcpwin(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  TcpwinObject obj(opts);
  const uint64_t start_ns = mono_now_ns();
  auto ring = RingBuffer::of<pb_tcpwin_event>(
      bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost), [&](const pb_tcpwin_event& e) {
        sink.event({fmt::format("0x{:x}", e.sock), uint64_t(e.ts_ns > start_ns ? (e.ts_ns - start_ns) / 1000 : 0),
                    uint64_t(e.snd_cwnd), uint64_t(e.snd_ssthresh), uint64_t(e.sk_sndbuf), uint64_t(e.sk_wmem_queued),
                    uint64_t(e.lport), uint64_t(e.rport), uint64_t(e.data_len)});
      });
  run_ring_tool("tcpwin", obj.programs(), loop, *ring, sink, [](bool) { return core::Summary{}; });
}

ToolCheck check_tcpwin() {
  for (const std::string& why :
       {missing_btf(), missing_tracepoint("tcp", "tcp_probe"), missing_member("tcp_sock", "snd_cwnd"),
        missing_member("tcp_sock", "snd_ssthresh"), missing_member("sock", "sk_wmem_queued")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& tcpwin_tool() {
  static const Tool tool{
      .schema = {.tool = "tcpwin", .event_fields = kEventFields, .summary_fields = {}, .histograms = {}},
      .doc = "every TCP segment an established socket receives (tcp_probe): congestion window, ssthresh, send "
             "buffer size and bytes queued",
      .options = kOptNetns | kOptInterval | kOptLport | kOptRport,
      .check = check_tcpwin,
      .run = run_tcpwin,
  };
  return tool;
}

}  // namespace pb::probes::tools
