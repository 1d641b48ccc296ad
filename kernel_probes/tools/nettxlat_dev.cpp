#include "kernel_probes/tools/nettxlat_dev.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/core.h>

#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/histogram.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/nettxlat.h"
#include "kernel_probes/tools/nettxlat_dev.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book prints one histogram per device. A summary's histograms are a fixed list (the
// schema names each), so here every device is a row with its counts and percentiles, and
// its distribution in the book's power-of-two rows as the row's `log2` lines; the summary's
// one histogram is all devices together (nettxlat's).
constexpr Field kSummaryFields[] = {
    {.name = "dev", .type = FieldType::kString, .doc = "the device the skbs were handed to (its name at the first start)",
     .width = 15},
    {.name = "netns", .type = FieldType::kUint, .doc = "netns inode of the device", .width = 10},
    {.name = "ifindex", .type = FieldType::kUint, .doc = "the device's ifindex in that netns", .width = 7},
    {.name = "started", .type = FieldType::kUint, .unit = "packets",
     .doc = "skbs handed to the device's driver (net_dev_start_xmit) in the span", .width = 8},
    {.name = "consumed", .type = FieldType::kUint, .unit = "packets",
     .doc = "timed skbs completed by consume_skb", .width = 8},
    {.name = "freed", .type = FieldType::kUint, .unit = "packets", .doc = "timed skbs completed by kfree_skb (dropped)",
     .width = 8},
    {.name = "p50", .type = FieldType::kUint, .unit = "us", .doc = "median latency of the timed skbs (within 1 %)",
     .width = 8, .nullable = true},
    {.name = "p99", .type = FieldType::kUint, .unit = "us", .doc = "99th percentile latency (within 1 %)", .width = 8,
     .nullable = true},
    {.name = "max", .type = FieldType::kUint, .unit = "us", .doc = "largest latency (its bucket's upper bound)", .width = 8,
     .nullable = true},
    {.name = "log2", .type = FieldType::kLines,
     .doc = "the device's latencies in the book's power-of-two rows: \"[LOW, HIGH) COUNT\", microseconds"},
};

constexpr Field kHistograms[] = {
    {.name = "latency", .unit = "us",
     .doc = "net_dev_start_xmit to consume_skb/kfree_skb of the same skb, all devices, microseconds"},
};

// The loaded nettxlat-dev object, its four hooks attached (tp_btf, else raw_tp, else tracepoint).
class NettxlatDevObject {
 public:
  explicit NettxlatDevObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(nettxlat_dev_bpf__open());
    if (!skel_) core::throw_errno("open BPF object nettxlat_dev");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = nettxlat_dev_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object nettxlat_dev");
    hooks_.select(skel_->obj, true);
    for (const char* event : {"net_dev_start_xmit", "net_dev_queue", "consume_skb", "kfree_skb"})
      if (auto why = hooks_.problem(event); !why.empty()) throw std::runtime_error(fmt::format("nettxlat-dev: {}", why));
  }
  nettxlat_dev_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<nettxlat_dev_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

using DevKey = std::pair<uint32_t, uint32_t>;  // netns, ifindex
struct DevState {
  std::string name;
  std::array<uint64_t, 3> n{};         // started, consumed, freed
  std::map<uint32_t, uint64_t> buckets;  // bucket -> count
};

std::map<DevKey, DevState> read_devices(int devs_fd, int hist_fd) {
  std::map<DevKey, DevState> out;
  {
    pb_nettxlat_dev_key key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(devs_fd, prev, &next) == 0) {
      pb_nettxlat_dev d{};
      if (bpf_map_lookup_elem(devs_fd, &next, &d) == 0) {
        DevState& s = out[{next.netns, next.ifindex}];
        s.name = std::string(d.name, strnlen(d.name, sizeof d.name));
        s.n = {d.started, d.consumed, d.freed};
      }
      key = next;
      prev = &key;
    }
  }
  pb_nettxlat_bucket_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(hist_fd, prev, &next) == 0) {
    uint64_t n = 0;
    if (bpf_map_lookup_elem(hist_fd, &next, &n) == 0 && n) out[{next.netns, next.ifindex}].buckets[next.bucket] = n;
    key = next;
    prev = &key;
  }
  return out;
}

// Power-of-two rows of bucket counts: [0], [1], [2, 4), [4, 8), ... A log-linear bucket
// never straddles a power of two, so every row is a sum of whole buckets.
std::vector<std::string> log2_rows(const std::map<uint32_t, uint64_t>& buckets) {
  std::map<int, uint64_t> rows;  // -1: the value 0; k: [2^k, 2^(k+1))
  for (const auto& [b, n] : buckets) {
    uint64_t low = pb_hist_bucket_lower(b);
    rows[low ? int(pb_hist_msb(low)) : -1] += n;
  }
  std::vector<std::string> out;
  for (const auto& [k, n] : rows) {
    if (k < 0) out.push_back(fmt::format("[0] {}", n));
    else if (k == 0) out.push_back(fmt::format("[1] {}", n));
    else out.push_back(fmt::format("[{}, {}) {}", uint64_t(1) << k, uint64_t(1) << (k + 1), n));
  }
  return out;
}

void run_nettxlat_dev(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  NettxlatDevObject obj(opts);
  auto ring = std::make_unique<RingBuffer>(bpf_map__fd(obj.skel().maps.events), bpf_map__fd(obj.skel().maps.events_lost), 0,
                                           [](std::span<const std::byte>) {});
  const int hist_fd = bpf_map__fd(obj.skel().maps.hist), counters_fd = bpf_map__fd(obj.skel().maps.counters),
            devs_fd = bpf_map__fd(obj.skel().maps.devs), dev_hist_fd = bpf_map__fd(obj.skel().maps.dev_hist);
  std::vector<uint64_t> hist_before;
  std::map<DevKey, DevState> before;
  run_ring_tool("nettxlat-dev", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    std::vector<uint64_t> now = sum_percpu_batch(hist_fd, PB_HIST_NBUCKETS, "nettxlat-dev histogram");
    s.histograms.push_back(histogram_delta(now, final ? std::vector<uint64_t>{} : hist_before, 0));
    hist_before = now;

    auto devices = read_devices(devs_fd, dev_hist_fd);
    for (const auto& [key, dev] : devices) {
      DevState span = dev;
      if (!final)
        if (auto it = before.find(key); it != before.end()) {
          for (size_t i = 0; i < span.n.size(); ++i) span.n[i] -= it->second.n[i];
          for (auto& [b, n] : span.buckets)
            if (auto bt = it->second.buckets.find(b); bt != it->second.buckets.end()) n -= bt->second;
        }
      std::erase_if(span.buckets, [](const auto& kv) { return kv.second == 0; });
      if (span.n == std::array<uint64_t, 3>{} && span.buckets.empty()) continue;
      std::vector<uint64_t> counts(PB_HIST_NBUCKETS, 0);
      for (const auto& [b, n] : span.buckets)
        if (b < PB_HIST_NBUCKETS) counts[b] = n;
      core::Histogram h;
      h.add_bucket_counts(counts.data(), counts.size());
      auto pct = [&](double q) { return h.empty() ? core::Value() : core::Value(h.percentile(q)); };
      s.rows.push_back({dev.name, uint64_t(key.first), uint64_t(key.second), span.n[0], span.n[1], span.n[2], pct(50),
                        pct(99), h.empty() ? core::Value() : core::Value(h.max()), log2_rows(span.buckets)});
    }
    before = std::move(devices);
    if (final) {
      std::vector<uint64_t> c = sum_percpu_batch(counters_fd, PB_NETTXLAT_NCOUNTERS, "nettxlat-dev counters");
      if (c[PB_NETTXLAT_RESTARTED])
        s.notes.push_back(fmt::format("{} skbs handed to the driver again before their completion (requeued by a busy "
                                      "driver): timed from the last handoff", c[PB_NETTXLAT_RESTARTED]));
      if (c[PB_NETTXLAT_REQUEUED])
        s.notes.push_back(fmt::format("{} started skbs queued again (net_dev_queue: forwarded or looped back): not timed",
                                      c[PB_NETTXLAT_REQUEUED]));
      if (c[PB_NETTXLAT_DEVS_FULL])
        s.notes.push_back(fmt::format("{} completions on devices beyond the first {}: in the histogram, in no row",
                                      c[PB_NETTXLAT_DEVS_FULL], PB_NETTXLAT_MAX_DEVS));
      if (c[PB_NETTXLAT_BUCKETS_FULL])
        s.notes.push_back(fmt::format("{} completions found the per-device buckets full ({}): missing from their row's "
                                      "percentiles", c[PB_NETTXLAT_BUCKETS_FULL], PB_NETTXLAT_MAX_DEV_BUCKETS));
      s.notes.push_back(std::string(kNettxlatVirtualNote));
    }
    return s;
  });
}

}  // namespace

const Tool& nettxlat_dev_tool() {
  static const Tool tool{
      .schema = {.tool = "nettxlat-dev", .event_fields = {}, .summary_fields = kSummaryFields, .histograms = kHistograms},
      .doc = "nettxlat per device: a row per device with its counts, percentiles and power-of-two rows; "
             "the histogram of all devices",
      .options = kOptNetns | kOptInterval,
      .check = nettxlat_tool().check,  // the same events and caveat as nettxlat
      .run = run_nettxlat_dev,
  };
  return tool;
}

}  // namespace pb::probes::tools
