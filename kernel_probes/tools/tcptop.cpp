#include "kernel_probes/tools/tcptop.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/tcptop.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// bcc tcptop's columns, in its order: PID COMM LADDR RADDR RX_KB TX_KB.
constexpr Field kSummaryFields[] = {
    {.name = "pid", .type = FieldType::kUint, .doc = "process (tgid) that made the calls", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "its task name (at its latest call)", .width = 12},
    {.name = "laddr", .type = FieldType::kString, .doc = "local address:port of the socket", .width = 21},
    {.name = "raddr", .type = FieldType::kString, .doc = "remote address:port", .width = 21},
    {.name = "rx_kb", .type = FieldType::kUint, .unit = "KiB",
     .doc = "bytes read in the span (sock_recv_length ret > 0, not MSG_PEEK), rounded down", .width = 6},
    {.name = "tx_kb", .type = FieldType::kUint, .unit = "KiB", .doc = "bytes written in the span (sock_send_length ret > 0), rounded down",
     .width = 6},
};

// The loaded tcptop object with sock_send_length and sock_recv_length hooked.
class TcptopObject {
 public:
  explicit TcptopObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(tcptop_bpf__open());
    if (!skel_) core::throw_errno("open BPF object tcptop");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = tcptop_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object tcptop");
    hooks_.select(skel_->obj, true);
    for (const char* ev : {"sock_send_length", "sock_recv_length"})
      if (auto why = hooks_.problem(ev); !why.empty()) throw std::runtime_error(fmt::format("tcptop: {}: {}", ev, why));
  }
  tcptop_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<tcptop_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

struct Flow {
  uint64_t rx = 0, tx = 0;
  std::string comm;
};
// (pid, family, saddr, lport, daddr, rport) as bytes: the key as the kernel filled it.
using FlowKey = std::string;
using Flows = std::map<FlowKey, Flow>;

FlowKey key_of(const pb_tcptop_key& k) { return {reinterpret_cast<const char*>(&k), sizeof k}; }
pb_tcptop_key unkey(const FlowKey& s) {
  pb_tcptop_key k{};
  std::memcpy(&k, s.data(), sizeof k);
  return k;
}

Flows read_flows(int fd) {
  Flows out;
  for_each_percpu<pb_tcptop_key, pb_tcptop_value>(fd, "tcptop flows", [&](const pb_tcptop_key& k, const auto& cpus) {
    Flow f;
    for (const auto& c : cpus) {
      f.rx += c.rx_bytes;
      f.tx += c.tx_bytes;
      if (f.comm.empty() && c.comm[0]) f.comm = comm_of(c.comm, sizeof c.comm);
    }
    out[key_of(k)] = std::move(f);
  });
  return out;
}

std::string endpoint(uint16_t family, const uint8_t* addr, uint16_t port) {
  std::string a = format_address(family, addr);
  return family == AF_INET6 ? fmt::format("[{}]:{}", a, port) : fmt::format("{}:{}", a, port);
}

void run_tcptop(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  TcptopObject obj(opts);
  auto ring = RingBuffer::of<uint64_t>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                       [](const uint64_t&) {});
  const int flows_fd = bpf_map__fd(obj.skel().maps.flows), full_fd = bpf_map__fd(obj.skel().maps.keys_full);
  Flows before;
  run_ring_tool("tcptop", obj.programs(), loop, *ring, sink, [&](bool final) {
    Flows now = read_flows(flows_fd);
    std::vector<std::pair<FlowKey, Flow>> rows;
    for (const auto& [key, f] : now) {
      Flow d = f;
      if (auto it = before.find(key); !final && it != before.end()) {
        d.rx -= it->second.rx;
        d.tx -= it->second.tx;
      }
      if (d.rx || d.tx) rows.emplace_back(key, d);
    }
    before = std::move(now);
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      const uint64_t ta = a.second.rx + a.second.tx, tb = b.second.rx + b.second.tx;
      return ta != tb ? ta > tb : a.first < b.first;
    });
    core::Summary s;
    for (size_t i = 0; i < rows.size() && i < PB_TCPTOP_ROWS; ++i) {
      const pb_tcptop_key k = unkey(rows[i].first);
      const Flow& f = rows[i].second;
      s.rows.push_back({uint64_t(k.pid), f.comm, endpoint(k.family, k.saddr, k.lport), endpoint(k.family, k.daddr, k.rport),
                        f.rx / 1024, f.tx / 1024});
    }
    if (rows.size() > PB_TCPTOP_ROWS)
      s.notes.push_back(fmt::format("{} quieter flows not shown (the {} busiest are)", rows.size() - PB_TCPTOP_ROWS, PB_TCPTOP_ROWS));
    if (uint64_t full = sum_percpu(full_fd, 0, "tcptop keys_full"))
      s.notes.push_back(fmt::format("{} calls not counted: the flow map is full ({} flows)", full, PB_TCPTOP_MAX_FLOWS));
    return s;
  });
}

ToolCheck check_tcptop() {
  for (const std::string& why :
       {missing_btf(), missing_tracepoint("sock", "sock_send_length"), missing_tracepoint("sock", "sock_recv_length")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& tcptop_tool() {
  static const Tool tool{
      .schema = {.tool = "tcptop", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "TCP throughput per process and flow: KiB read and written in each interval, the 20 busiest flows "
             "(sock_recv_length, sock_send_length)",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptLport | kOptRport,
      .check = check_tcptop,
      .run = run_tcptop,
  };
  return tool;
}

}  // namespace pb::probes::tools
