#include "kernel_probes/tools/qdisc.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/qdisc.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// One row per qdisc instance of the kind that had events in the span.
constexpr Field kSummaryFields[] = {
    {.name = "dev", .type = FieldType::kString, .doc = "the qdisc's device (its name at the first event)", .width = 15},
    {.name = "netns", .type = FieldType::kUint, .doc = "netns inode of the device", .width = 10},
    {.name = "handle", .type = FieldType::kString, .doc = "the qdisc's handle as tc prints it (8001:)", .width = 7},
    {.name = "parent", .type = FieldType::kString, .doc = "root, or the parent's handle (an mq child: 1:1)", .width = 7},
    {.name = "enqueued", .type = FieldType::kUint, .unit = "packets",
     .doc = "successful enqueues (qdisc:qdisc_enqueue; drops at enqueue are not counted)", .width = 9},
    {.name = "dequeued", .type = FieldType::kUint, .unit = "packets",
     .doc = "skbs dequeued, every skb of a bulk dequeue counted", .width = 9},
    {.name = "timed", .type = FieldType::kUint, .unit = "packets",
     .doc = "dequeued skbs whose enqueue the tool saw: the ones in the sojourn histogram", .width = 9},
};

constexpr Field kHistograms[] = {
    {.name = "sojourn", .unit = "us", .doc = "time from enqueue to dequeue of each timed skb, microseconds"},
};

// The kinds the book's qdisc tools cover, with the function whose presence in the kernel's
// BTF says the kind is built in: a qdisc's enqueue is reached through its Qdisc_ops, so it
// is never inlined away and BTF always lists it as a FUNC when the qdisc is compiled in
// (there are no modules here; with modules, a loaded one adds its own BTF, not vmlinux's).
struct Kind {
  std::string_view id;       // Qdisc_ops.id, as tc names it
  std::string_view enqueue;  // its enqueue function
  std::string_view config;   // the Kconfig symbol
};

constexpr Kind kFq{"fq", "fq_enqueue", "CONFIG_NET_SCH_FQ"};
constexpr Kind kFqCodel{"fq_codel", "fq_codel_enqueue", "CONFIG_NET_SCH_FQ_CODEL"};
constexpr Kind kCodel{"codel", "codel_qdisc_enqueue", "CONFIG_NET_SCH_CODEL"};
constexpr Kind kRed{"red", "red_enqueue", "CONFIG_NET_SCH_RED"};
constexpr Kind kCbs{"cbs", "cbs_enqueue", "CONFIG_NET_SCH_CBS"};
constexpr Kind kTbf{"tbf", "tbf_enqueue", "CONFIG_NET_SCH_TBF"};
constexpr Kind kHtb{"htb", "htb_enqueue", "CONFIG_NET_SCH_HTB"};
constexpr Kind kPfifoFast{"pfifo_fast", "pfifo_fast_enqueue", "(always built)"};

// The loaded qdisc object for one kind, both hooks attached (tp_btf, else raw_tp, else tracepoint).
class QdiscObject {
 public:
  QdiscObject(const ToolOptions& o, std::string_view kind) {
    route_libbpf_logs();
    skel_.reset(qdisc_bpf__open());
    if (!skel_) core::throw_errno("open BPF object qdisc");
    set_filters(skel_->rodata, o);
    std::memset(skel_->rodata->kind, 0, sizeof skel_->rodata->kind);
    std::memcpy(skel_->rodata->kind, kind.data(), std::min(kind.size(), sizeof skel_->rodata->kind - 1));
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = qdisc_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object qdisc");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"qdisc_enqueue", "qdisc_dequeue"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error(fmt::format("qdisc: {}", why));
  }
  qdisc_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }
  const std::vector<int>& prog_fds() const { return hooks_.programs().prog_fds; }

 private:
  SkelPtr<qdisc_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

std::string tc_handle(uint32_t h) {
  if (h == 0xffffffffu) return "root";
  if ((h & 0xffffu) == 0) return fmt::format("{:x}:", h >> 16);
  return fmt::format("{:x}:{:x}", h >> 16, h & 0xffffu);
}

using QdiscKey = std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>;  // netns, ifindex, handle, parent
struct QdiscCounts {
  std::string dev;
  std::array<uint64_t, 3> n{};  // enqueued, dequeued, timed
};

std::map<QdiscKey, QdiscCounts> read_qdiscs(int fd) {
  std::map<QdiscKey, QdiscCounts> out;
  pb_qdisc_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    pb_qdisc_counts c{};
    if (bpf_map_lookup_elem(fd, &next, &c) == 0)
      out[{next.netns, next.ifindex, next.handle, next.parent}] = {std::string(c.dev, strnlen(c.dev, sizeof c.dev)),
                                                                   {c.enqueued, c.dequeued, c.matched}};
    key = next;
    prev = &key;
  }
  return out;
}

// Runs of the tool's programs the kernel skipped because one of them was already running on
// that CPU (bpf_prog_info.recursion_misses): events the tool never saw.
uint64_t recursion_misses(const std::vector<int>& prog_fds) {
  uint64_t n = 0;
  for (int fd : prog_fds) {
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) n += info.recursion_misses;
  }
  return n;
}

std::vector<std::string> counter_notes(const std::vector<uint64_t>& c, std::string_view kind, uint64_t misses) {
  std::vector<std::string> notes;
  if (misses)
    notes.push_back(fmt::format("{} events skipped by the kernel: a program of the tool was already running on that CPU "
                                "(BPF recursion protection); their packets are missing or untimed", misses));
  if (c[PB_QDISC_UNMATCHED])
    notes.push_back(fmt::format("{} dequeued skbs without their enqueue seen (queued before the tool started, requeued "
                                "by a busy driver, or more than {} in the qdisc at once): not timed",
                                c[PB_QDISC_UNMATCHED], PB_QDISC_MAX_SKBS));
  if (c[PB_QDISC_BULK_SKBS])
    notes.push_back(fmt::format("{} skbs left in bulk dequeues behind the first (followed along skb->next)", c[PB_QDISC_BULK_SKBS]));
  if (c[PB_QDISC_BULK_CUT])
    notes.push_back(fmt::format("{} bulk dequeues longer than {} skbs: the rest were not timed", c[PB_QDISC_BULK_CUT],
                                PB_QDISC_MAX_BULK));
  if (c[PB_QDISC_KEYS_FULL])
    notes.push_back(fmt::format("{} events of {} qdiscs beyond the first {}: timed, but in no row", c[PB_QDISC_KEYS_FULL],
                                kind, PB_QDISC_MAX_QDISCS));
  if (kind == kPfifoFast.id)
    notes.push_back("pfifo_fast: packets that find it empty bypass it (TCQ_F_CAN_BYPASS) without an enqueue or "
                    "dequeue event: only packets that waited behind others are counted");
  return notes;
}

void run_qdisc(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink, std::string_view kind) {
  QdiscObject obj(opts, kind);
  auto ring = std::make_unique<RingBuffer>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost), 0,
                                           [](std::span<const std::byte>) {});
  const int hist_fd = bpf_map__fd(obj.skel().maps.hist), counters_fd = bpf_map__fd(obj.skel().maps.counters),
            qdiscs_fd = bpf_map__fd(obj.skel().maps.qdiscs);
  std::vector<uint64_t> hist_before;
  std::map<QdiscKey, QdiscCounts> rows_before;
  const std::string tool = fmt::format("qdisc-{}", kind);
  run_ring_tool(tool, obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    std::vector<uint64_t> hist_now = sum_percpu_batch(hist_fd, PB_HIST_NBUCKETS, "qdisc histogram");
    s.histograms.push_back(histogram_delta(hist_now, final ? std::vector<uint64_t>{} : hist_before, 0));
    hist_before = std::move(hist_now);
    auto now = read_qdiscs(qdiscs_fd);
    for (const auto& [key, c] : now) {
      std::array<uint64_t, 3> d = c.n;
      if (!final)
        if (auto it = rows_before.find(key); it != rows_before.end())
          for (size_t i = 0; i < d.size(); ++i) d[i] -= it->second.n[i];
      if (d == std::array<uint64_t, 3>{}) continue;
      const auto& [netns, ifindex, handle, parent] = key;
      s.rows.push_back({c.dev, uint64_t(netns), tc_handle(handle), tc_handle(parent), d[0], d[1], d[2]});
    }
    rows_before = std::move(now);
    if (final)
      s.notes = counter_notes(sum_percpu_batch(counters_fd, PB_QDISC_NCOUNTERS, "qdisc counters"), kind,
                              recursion_misses(obj.prog_fds()));
    return s;
  });
}

ToolCheck check_kind(const Kind& k) {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  if (!vmlinux_has(k.enqueue, BTF_KIND_FUNC))
    return {false, fmt::format("the {} qdisc is not built in this kernel (no {} in its BTF; {})", k.id, k.enqueue, k.config)};
  for (const std::string& why : {missing_tracepoint("qdisc", "qdisc_enqueue"), missing_tracepoint("qdisc", "qdisc_dequeue"),
                                 missing_member("Qdisc_ops", "id"), missing_member("Qdisc", "dev_queue")})
    if (!why.empty()) return {false, why};
  if (k.id == kPfifoFast.id)
    return {true, "packets that find pfifo_fast empty bypass it (TCQ_F_CAN_BYPASS) and are not counted"};
  return {true, ""};
}

// The row of kind K: a template so each row has its own plain check/run functions.
template <const Kind& K>
const Tool& qdisc_row(std::string_view name, std::string_view doc) {
  static const Tool tool{
      .schema = {.tool = name, .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = doc,
      .options = kOptNetns | kOptInterval,
      .check = [] { return check_kind(K); },
      .run = [](const ToolOptions& o, core::RunLoop& l, core::EventSink& s) { run_qdisc(o, l, s, K.id); },
  };
  return tool;
}

}  // namespace

const Tool& qdisc_fq_tool() {
  return qdisc_row<kFq>("qdisc-fq", "time packets spend in fq qdiscs (enqueue to dequeue), histogram; counts per qdisc");
}
const Tool& qdisc_fq_codel_tool() {
  return qdisc_row<kFqCodel>("qdisc-fq_codel",
                             "time packets spend in fq_codel qdiscs (enqueue to dequeue), histogram; counts per qdisc");
}
const Tool& qdisc_codel_tool() {
  return qdisc_row<kCodel>("qdisc-codel", "time packets spend in codel qdiscs (enqueue to dequeue), histogram; counts per qdisc");
}
const Tool& qdisc_red_tool() {
  return qdisc_row<kRed>("qdisc-red", "time packets spend in red qdiscs (enqueue to dequeue), histogram; counts per qdisc");
}
const Tool& qdisc_cbs_tool() {
  return qdisc_row<kCbs>("qdisc-cbs", "time packets spend in cbs qdiscs (enqueue to dequeue), histogram; counts per qdisc");
}
const Tool& qdisc_tbf_tool() {
  return qdisc_row<kTbf>("qdisc-tbf", "time packets spend in tbf qdiscs (enqueue to dequeue), histogram; counts per qdisc");
}
const Tool& qdisc_htb_tool() {
  return qdisc_row<kHtb>("qdisc-htb",
                         "time packets spend in htb qdiscs (root enqueue to dequeue, all classes together), histogram; "
                         "counts per qdisc");
}
const Tool& qdisc_pfifo_fast_tool() {
  return qdisc_row<kPfifoFast>("qdisc-pfifo_fast",
                               "time packets spend in pfifo_fast qdiscs (enqueue to dequeue; packets that find it empty "
                               "bypass it unseen), histogram; counts per qdisc");
}

}  // namespace pb::probes::tools
