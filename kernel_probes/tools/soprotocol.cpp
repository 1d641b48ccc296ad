#include "kernel_probes/tools/soprotocol.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/soprotocol.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's @connect[comm, protocol, protocol name, skc_prot->name] map as rows, with the
// socket type added and accepts apart.
constexpr Field kSummaryFields[] = {
    {.name = "call", .type = FieldType::kString,
     .doc = "connect (every call on a socket, at entry) or accept (accept/accept4 calls that returned a socket)",
     .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "task name of the caller", .width = 16},
    {.name = "protocol", .type = FieldType::kUint, .doc = "sk->sk_protocol (IPPROTO_* for inet sockets)", .width = 8},
    {.name = "ipproto", .type = FieldType::kString, .doc = "its name: IPPROTO_TCP, IPPROTO_UDP, ... (IPPROTO_IP for 0)",
     .width = 14},
    {.name = "type", .type = FieldType::kString, .doc = "sk->sk_type: SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, ...",
     .width = 11},
    {.name = "name", .type = FieldType::kString,
     .doc = "the protocol's name, sk->__sk_common.skc_prot->name: TCP, TCPv6, UDP, UDPv6, UNIX-STREAM, ...", .width = 11},
    {.name = "count", .type = FieldType::kUint, .unit = "calls", .doc = "calls in the span (exact, in-kernel counts)",
     .width = 8},
};

// The loaded soprotocol object: sys_enter_connect, sys_exit_accept, sys_exit_accept4.
class SoprotocolObject {
 public:
  explicit SoprotocolObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(soprotocol_bpf__open());
    if (!skel_) core::throw_errno("open BPF object soprotocol");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = soprotocol_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object soprotocol");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"sys_enter_connect", "sys_exit_accept", "sys_exit_accept4"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error("soprotocol: " + why);
  }
  soprotocol_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<soprotocol_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

std::string ipproto_name(uint16_t protocol) {
  switch (protocol) {
    case 0: return "IPPROTO_IP";
    case 1: return "IPPROTO_ICMP";
    case 2: return "IPPROTO_IGMP";
    case 6: return "IPPROTO_TCP";
    case 17: return "IPPROTO_UDP";
    case 41: return "IPPROTO_IPV6";
    case 47: return "IPPROTO_GRE";
    case 58: return "IPPROTO_ICMPV6";
    case 132: return "IPPROTO_SCTP";
    case 136: return "IPPROTO_UDPLITE";
    case 255: return "IPPROTO_RAW";
    case 262: return "IPPROTO_MPTCP";
  }
  return fmt::format("IPPROTO_{}", protocol);
}

std::string type_name(uint16_t type) {
  switch (type) {
    case 1: return "SOCK_STREAM";
    case 2: return "SOCK_DGRAM";
    case 3: return "SOCK_RAW";
    case 4: return "SOCK_RDM";
    case 5: return "SOCK_SEQPACKET";
    case 6: return "SOCK_DCCP";
    case 10: return "SOCK_PACKET";
  }
  return fmt::format("SOCK_{}", type);
}

using Key = std::tuple<uint8_t, std::string, uint16_t, uint16_t, std::string>;  // (call, comm, protocol, type, name)
using Counts = std::map<Key, uint64_t>;

Counts read_counts(int fd) {
  Counts out;
  pb_soprotocol_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    uint64_t n = 0;
    if (bpf_map_lookup_elem(fd, &next, &n) == 0 && n)
      out[{next.call, comm_of(next.comm, sizeof next.comm), next.protocol, next.type, comm_of(next.name, sizeof next.name)}] += n;
    key = next;
    prev = &key;
  }
  return out;
}

void run_soprotocol(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SoprotocolObject obj(opts);
  // Nothing goes through the ring; it is polled like every tool's so the loop is the same.
  auto ring = RingBuffer::of<uint64_t>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                       [](const uint64_t&) {});
  const int counts_fd = bpf_map__fd(obj.skel().maps.counts), misses_fd = bpf_map__fd(obj.skel().maps.misses);
  Counts before;
  run_ring_tool("soprotocol", obj.programs(), loop, *ring, sink, [&](bool final) {
    Counts now = read_counts(counts_fd);
    std::vector<std::pair<Key, uint64_t>> rows;
    for (const auto& [key, n] : now) {
      auto it = before.find(key);
      uint64_t d = final ? n : n - (it == before.end() ? 0 : it->second);
      if (d) rows.emplace_back(key, d);
    }
    before = std::move(now);
    // accept before connect (the book's order), then most calls first.
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      if (std::get<0>(a.first) != std::get<0>(b.first)) return std::get<0>(a.first) > std::get<0>(b.first);
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    core::Summary s;
    for (auto& [key, n] : rows) {
      auto& [call, comm, protocol, type, name] = key;
      s.rows.push_back({std::string(call ? "accept" : "connect"), comm, uint64_t(protocol), ipproto_name(protocol),
                        type_name(type), name, n});
    }
    if (final) {
      std::vector<uint64_t> m = sum_percpu_batch(misses_fd, PB_SOPROTOCOL_NMISSES, "soprotocol misses");
      if (m[PB_SOPROTOCOL_FULL])
        s.notes.push_back(fmt::format("{} calls not counted: the counts map ({} keys) was full", m[PB_SOPROTOCOL_FULL],
                                      PB_SOPROTOCOL_MAX_KEYS));
      if (m[PB_SOPROTOCOL_NOSOCK])
        s.notes.push_back(fmt::format("{} connects on a file descriptor that is not a socket (ENOTSOCK, EBADF): not shown",
                                      m[PB_SOPROTOCOL_NOSOCK]));
    }
    return s;
  });
}

ToolCheck check_soprotocol() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  for (const char* event : {"sys_enter_connect", "sys_exit_accept", "sys_exit_accept4"})
    if (auto why = missing_tracepoint("syscalls", event); !why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& soprotocol_tool() {
  static const Tool tool{
      .schema = {.tool = "soprotocol", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "connect() and accept() counts by task name, IP protocol, socket type and protocol name (skc_prot->name), "
             "per --interval and in total",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval,
      .check = check_soprotocol,
      .run = run_soprotocol,
  };
  return tool;
}

}  // namespace pb::probes::tools
