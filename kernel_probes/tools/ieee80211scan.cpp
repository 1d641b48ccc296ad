#include "kernel_probes/tools/ieee80211scan.h"

#include <bpf/libbpf.h>
#include <dirent.h>
#include <fmt/format.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/ieee80211scan.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book prints "scan started (on-CPU PID ..)", "scanning channel 2GHZ freq 2412 ...",
// "scan completed: N ms"; as columns: TIME EVENT PID COMM BAND FREQ SIGNAL CHANNELS MS ABORTED.
constexpr Field kEventFields[] = {
    {.name = "time", .type = FieldType::kString, .doc = "wall-clock time (HH:MM:SS, local)", .width = 8},
    {.name = "event", .type = FieldType::kString,
     .doc = "start (cfg80211:rdev_scan), bss (cfg80211_inform_bss_frame: a BSS seen), done (cfg80211_scan_done)",
     .width = 5},
    {.name = "pid", .type = FieldType::kUint, .doc = "the process on the CPU", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "its task name", .width = 16},
    {.name = "band", .type = FieldType::kString, .doc = "bss: the channel's band (2GHZ, 5GHZ, 60GHZ, 6GHZ, S1GHZ, LC)",
     .width = 5, .nullable = true},
    {.name = "freq", .type = FieldType::kUint, .unit = "MHz", .doc = "bss: the channel's center frequency", .width = 5,
     .nullable = true},
    {.name = "signal", .type = FieldType::kInt, .doc = "bss: signal strength as the driver reports it (mBm for most)",
     .width = 6, .nullable = true},
    {.name = "channels", .type = FieldType::kUint, .doc = "start, done: channels the scan request covers", .width = 8,
     .nullable = true},
    {.name = "ms", .type = FieldType::kFloat, .unit = "ms", .doc = "done: since the scan's start (unknown when its start was not seen)",
     .width = 8, .decimals = 1, .nullable = true},
    {.name = "aborted", .type = FieldType::kUint, .doc = "done: 1 when the scan was aborted", .width = 7,
     .nullable = true},
};

constexpr const char* kEvents[] = {"rdev_scan", "cfg80211_inform_bss_frame", "cfg80211_scan_done"};

class Ieee80211scanObject {
 public:
  explicit Ieee80211scanObject(const ToolOptions& o) {
    route_libbpf_logs();
    skel_.reset(ieee80211scan_bpf__open());
    if (!skel_) core::throw_errno("open BPF object ieee80211scan");
    set_filters(skel_->rodata, o);
    hooks_.prepare(skel_->obj, o.first_flavour);
    if (int err = ieee80211scan_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object ieee80211scan");
    hooks_.select(skel_->obj, true);
    for (const char* event : kEvents)
      if (std::string why = hooks_.problem(event); !why.empty()) throw std::runtime_error("ieee80211scan: " + why);
  }
  ieee80211scan_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return hooks_.programs().active; }

 private:
  SkelPtr<ieee80211scan_bpf> skel_;
  HookSet hooks_;  // after skel_: the links go before the object
};

std::string band_name(uint32_t band) {
  static constexpr const char* kBands[] = {"2GHZ", "5GHZ", "60GHZ", "6GHZ", "S1GHZ", "LC"};  // enum nl80211_band
  return band < std::size(kBands) ? kBands[band] : fmt::format("{}", band);
}

core::Values values_of(const pb_ieee80211scan_event& e) {
  static constexpr const char* kKinds[] = {"start", "bss", "done"};
  const bool bss = e.kind == PB_SCAN_BSS, done = e.kind == PB_SCAN_DONE;
  return {clock_time_of(e.ts_ns),
          std::string(e.kind < std::size(kKinds) ? kKinds[e.kind] : "?"),
          uint64_t(e.pid),
          comm_of(e.comm, sizeof e.comm),
          bss ? core::Value(band_name(e.band)) : core::Value(),
          bss ? core::Value(uint64_t(e.freq)) : core::Value(),
          bss ? core::Value(int64_t(e.signal)) : core::Value(),
          bss ? core::Value() : core::Value(uint64_t(e.n_channels)),
          done && e.span_ns ? core::Value(double(e.span_ns) / 1e6) : core::Value(),
          done ? core::Value(uint64_t(e.aborted)) : core::Value()};
}

void run_ieee80211scan(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  Ieee80211scanObject obj(opts);
  auto ring = RingBuffer::of<pb_ieee80211scan_event>(bpf_map__fd(obj.skel().maps.events),
                                                     bpf_map__fd(obj.skel().maps.events_lost),
                                                     [&](const pb_ieee80211scan_event& e) { sink.event(values_of(e)); });
  run_ring_tool("ieee80211scan", obj.programs(), loop, *ring, sink, [](bool) { return core::Summary(); });
}

// Wifi devices the kernel has (/sys/class/ieee80211 lists one phyN per wiphy).
size_t wiphys() {
  DIR* d = opendir("/sys/class/ieee80211");
  if (!d) return 0;
  size_t n = 0;
  while (dirent* de = readdir(d))
    if (de->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

ToolCheck check_ieee80211scan() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  std::vector<std::string> missing;
  for (const char* event : kEvents)
    if (!missing_tracepoint("cfg80211", event).empty()) missing.push_back(fmt::format("cfg80211:{}", event));
  if (!missing.empty())
    return {false, fmt::format("no wifi stack in this kernel (CONFIG_WIRELESS/CONFIG_CFG80211 off): no tracepoint {}",
                               fmt::join(missing, ", "))};
  if (!wiphys()) return {true, "no wifi device now (/sys/class/ieee80211 is empty): nothing scans until one appears"};
  return {true, "the BPF side was built but never loaded on a wifi kernel by its tests"};
}

}  // namespace

const Tool& ieee80211scan_tool() {
  static const Tool tool{
      .schema = {.tool = "ieee80211scan", .event_fields = kEventFields, .summary_fields = {}, .histograms = {}},
      .doc = "wifi scans (cfg80211): scan start, each BSS seen with band/frequency/signal, scan done with its "
             "duration",
      .options = kOptPid,
      .check = check_ieee80211scan,
      .run = run_ieee80211scan,
  };
  return tool;
}

}  // namespace pb::probes::tools
