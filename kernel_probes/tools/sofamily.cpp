#include "kernel_probes/tools/sofamily.h"

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
#include "kernel_probes/tools/sofamily.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's @accept[comm, family, name] / @connect[...] maps as rows.
constexpr Field kSummaryFields[] = {
    {.name = "call", .type = FieldType::kString,
     .doc = "connect (every call, at entry) or accept (accept/accept4 calls that returned a socket)", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "task name of the caller", .width = 16},
    {.name = "family", .type = FieldType::kUint,
     .doc = "address family: of connect's address (of its socket when the address was unreadable), of the accepted "
            "socket",
     .width = 6},
    {.name = "af", .type = FieldType::kString, .doc = "the family's name (AF_INET, AF_INET6, AF_UNIX, ...)", .width = 12},
    {.name = "count", .type = FieldType::kUint, .unit = "calls", .doc = "calls in the span (exact, in-kernel counts)",
     .width = 8},
};

// The loaded sofamily object: sys_enter_connect, sys_exit_accept, sys_exit_accept4.
class SofamilyObject {
 public:
  explicit SofamilyObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(sofamily_bpf__open());
    if (!skel_) core::throw_errno("open BPF object sofamily");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = sofamily_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object sofamily");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"sys_enter_connect", "sys_exit_accept", "sys_exit_accept4"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error("sofamily: " + why);
  }
  sofamily_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<sofamily_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

std::string family_name(uint16_t family) {
  switch (family) {
    case 0: return "AF_UNSPEC";
    case 1: return "AF_UNIX";
    case 2: return "AF_INET";
    case 4: return "AF_IPX";
    case 5: return "AF_APPLETALK";
    case 9: return "AF_X25";
    case 10: return "AF_INET6";
    case 16: return "AF_NETLINK";
    case 17: return "AF_PACKET";
    case 29: return "AF_CAN";
    case 30: return "AF_TIPC";
    case 31: return "AF_BLUETOOTH";
    case 38: return "AF_ALG";
    case 40: return "AF_VSOCK";
    case 42: return "AF_QIPCRTR";
    case 44: return "AF_XDP";
    case 45: return "AF_MCTP";
  }
  return fmt::format("AF_{}", family);
}

using Key = std::tuple<uint8_t, std::string, uint16_t>;  // (call, comm, family)
using Counts = std::map<Key, uint64_t>;

Counts read_counts(int fd) {
  Counts out;
  pb_sofamily_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    uint64_t n = 0;
    if (bpf_map_lookup_elem(fd, &next, &n) == 0 && n)
      out[{next.call, comm_of(next.comm, sizeof next.comm), next.family}] += n;
    key = next;
    prev = &key;
  }
  return out;
}

void run_sofamily(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  SofamilyObject obj(opts);
  // Nothing goes through the ring; it is polled like every tool's so the loop is the same.
  auto ring = RingBuffer::of<uint64_t>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost),
                                       [](const uint64_t&) {});
  const int counts_fd = bpf_map__fd(obj.skel().maps.counts), misses_fd = bpf_map__fd(obj.skel().maps.misses);
  Counts before;
  run_ring_tool("sofamily", obj.programs(), loop, *ring, sink, [&](bool final) {
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
      auto& [call, comm, family] = key;
      s.rows.push_back({std::string(call == PB_SO_ACCEPT ? "accept" : "connect"), comm, uint64_t(family),
                        family_name(family), n});
    }
    if (final) {
      std::vector<uint64_t> m = sum_percpu_batch(misses_fd, PB_SOFAMILY_NMISSES, "sofamily misses");
      if (m[PB_SOFAMILY_FULL])
        s.notes.push_back(fmt::format("{} calls not counted: the counts map ({} keys) was full", m[PB_SOFAMILY_FULL],
                                      PB_SOFAMILY_MAX_KEYS));
      if (m[PB_SOFAMILY_FROM_SOCK])
        s.notes.push_back(fmt::format("{} connects had an unreadable address: their socket's family was counted",
                                      m[PB_SOFAMILY_FROM_SOCK]));
      if (m[PB_SOFAMILY_UNKNOWN])
        s.notes.push_back(fmt::format("{} connects had neither a readable address nor a socket: counted as family 0",
                                      m[PB_SOFAMILY_UNKNOWN]));
    }
    return s;
  });
}

ToolCheck check_sofamily() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  for (const char* event : {"sys_enter_connect", "sys_exit_accept", "sys_exit_accept4"})
    if (auto why = missing_tracepoint("syscalls", event); !why.empty()) return {false, why};
  return {true, ""};
}

}  // namespace

const Tool& sofamily_tool() {
  static const Tool tool{
      .schema = {.tool = "sofamily", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = {}},
      .doc = "connect() and accept() counts by task name and address family, per --interval and in total",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval,
      .check = check_sofamily,
      .run = run_sofamily,
  };
  return tool;
}

}  // namespace pb::probes::tools
