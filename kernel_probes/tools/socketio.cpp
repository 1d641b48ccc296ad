#include "kernel_probes/tools/socketio.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <algorithm>
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
#include "kernel_probes/tools/socketio.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's @io[comm, pid, read|write, protocol, port] keys, then its count and our bytes.
constexpr Field kSummaryFields[] = {
    {.name = "comm", .type = FieldType::kString, .doc = "task name of the caller", .width = 16},
    {.name = "pid", .type = FieldType::kUint, .doc = "process (tgid) of the caller", .width = 7},
    {.name = "dir", .type = FieldType::kString, .doc = "read (sock_recv_length) or write (sock_send_length)", .width = 5},
    {.name = "protocol", .type = FieldType::kString, .doc = "the socket's protocol name (skc_prot->name: TCP, UDPv6, UNIX, ...)",
     .width = 8},
    {.name = "rport", .type = FieldType::kUint, .doc = "remote port of the socket (skc_dport); 0 when not connected", .width = 5},
    {.name = "count", .type = FieldType::kUint, .unit = "calls", .doc = "socket calls in the span, whatever they returned",
     .width = 8},
    {.name = "bytes", .type = FieldType::kUint, .unit = "bytes", .doc = "bytes those calls moved (their positive returns)",
     .width = 10},
    {.name = "errors", .type = FieldType::kUint, .unit = "calls", .doc = "calls among them that returned an error", .width = 6},
};

// The loaded socketio object with sock_send_length and sock_recv_length hooked.
class SocketioObject {
 public:
  explicit SocketioObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(socketio_bpf__open());
    if (!skel_) core::throw_errno("open BPF object socketio");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = socketio_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object socketio");
    hooks_.select(skel_->obj, true);
    for (const char* ev : {"sock_send_length", "sock_recv_length"})
      if (auto why = hooks_.problem(ev); !why.empty()) throw std::runtime_error(fmt::format("socketio: {}: {}", ev, why));
  }
  socketio_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<socketio_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

using Key = std::tuple<std::string, uint32_t, uint8_t, std::string, uint16_t>;  // comm, pid, dir, proto, rport
using Counts = std::map<Key, pb_socketio_value>;

Counts read_counts(int fd) {
  Counts out;
  for_each_percpu<pb_socketio_key, pb_socketio_value>(fd, "socketio counts", [&](const pb_socketio_key& k, const auto& cpus) {
    pb_socketio_value sum{};
    for (const auto& c : cpus) {
      sum.calls += c.calls;
      sum.bytes += c.bytes;
      sum.errors += c.errors;
    }
    out[{comm_of(k.comm, sizeof k.comm), k.pid, k.dir, comm_of(k.proto, sizeof k.proto), k.rport}] = sum;
  });
  return out;
}

void run_socketio(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SocketioObject obj(opts);
  auto ring = RingBuffer::of<uint64_t>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                       [](const uint64_t&) {});
  const int counts_fd = bpf_map__fd(obj.skel().maps.counts), full_fd = bpf_map__fd(obj.skel().maps.keys_full);
  Counts before;
  run_ring_tool("socketio", obj.programs(), loop, *ring, sink, [&](bool final) {
    Counts now = read_counts(counts_fd);
    std::vector<std::pair<Key, pb_socketio_value>> rows;
    for (const auto& [key, v] : now) {
      pb_socketio_value d = v;
      if (auto it = before.find(key); !final && it != before.end()) {
        d.calls -= it->second.calls;
        d.bytes -= it->second.bytes;
        d.errors -= it->second.errors;
      }
      if (d.calls) rows.emplace_back(key, d);
    }
    before = std::move(now);
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second.calls != b.second.calls ? a.second.calls > b.second.calls : a.first < b.first;
    });
    core::Summary s;
    for (const auto& [k, v] : rows)
      s.rows.push_back({std::get<0>(k), uint64_t(std::get<1>(k)), std::string(std::get<2>(k) == PB_SOCK_READ ? "read" : "write"),
                        std::get<3>(k), uint64_t(std::get<4>(k)), v.calls, v.bytes, v.errors});
    if (uint64_t full = sum_percpu(full_fd, 0, "socketio keys_full"))
      s.notes.push_back(fmt::format("{} calls not counted: the count map is full ({} keys)", full, PB_SOCKETIO_MAX_KEYS));
    return s;
  });
}

ToolCheck check_socketio() {
  for (const std::string& why : {missing_btf(), missing_tracepoint("sock", "sock_send_length"),
                                 missing_tracepoint("sock", "sock_recv_length"), missing_member("proto", "name")})
    if (!why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& socketio_tool() {
  static const Tool tool{
      .schema = {.tool = "socketio", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "socket calls and bytes by comm, pid, direction, protocol name and remote port (sock_send_length, "
             "sock_recv_length)",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval | kOptLport | kOptRport,
      .check = check_socketio,
      .run = run_socketio,
  };
  return tool;
}

}  // namespace pb::probes::tools
