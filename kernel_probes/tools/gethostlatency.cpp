#include "kernel_probes/tools/gethostlatency.h"

#include <bpf/libbpf.h>
#include <fmt/core.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "bench/core/errors.h"
#include "kernel_probes/bpf_link.h"
#include "kernel_probes/bpf_util.h"
#include "kernel_probes/percpu_map.h"
#include "kernel_probes/ring_buffer.h"
#include "kernel_probes/skel_ptr.h"
#include "kernel_probes/tools/gethostlatency.skel.h"
#include "kernel_probes/tools/tool.h"
#include "kernel_probes/tools/tool_checks.h"
#include "kernel_probes/tools/tool_loop.h"

namespace pb::probes::tools {

namespace {

using core::Field;
using core::FieldType;

// The book's columns: TIME PID COMM LATms HOST.
constexpr Field kEventFields[] = {
    {.name = "time", .type = FieldType::kString, .doc = "wall-clock time the lookup returned (HH:MM:SS, local)", .width = 8},
    {.name = "pid", .type = FieldType::kUint, .doc = "process (tgid) that made the lookup", .width = 7},
    {.name = "comm", .type = FieldType::kString, .doc = "its task name (of the calling thread)", .width = 16},
    {.name = "latms", .type = FieldType::kFloat, .unit = "ms",
     .doc = "from the call of getaddrinfo/gethostbyname/gethostbyname2 to its return", .width = 8, .decimals = 3},
    {.name = "host", .type = FieldType::kString,
     .doc = "the name asked for (first 127 bytes; empty when the pointer was NULL or unreadable)"},
};

constexpr Field kHistograms[] = {
    {.name = "latency", .unit = "us", .doc = "lookup latencies (the latms column) of the lookups in the span"},
};

constexpr const char* kFunctions[] = {"getaddrinfo", "gethostbyname", "gethostbyname2"};

constexpr const char* kUprobePmu = "/sys/bus/event_source/devices/uprobe";

// Whether `path` names a glibc shared object (libc.so.6, or libc-2.NN.so of older glibc).
bool is_libc(const std::string& path) {
  const std::string base = path.substr(path.rfind('/') + 1);
  return base.rfind("libc.so", 0) == 0 || (base.rfind("libc-", 0) == 0 && base.size() > 3 &&
                                           base.compare(base.size() - 3, 3, ".so") == 0);
}

// The libc mapped by `pid` (0: this process), as a path this process can open: under
// /proc/PID/root for another process (its mount namespace may differ). "" when none.
std::string libc_of(uint32_t pid) {
  std::ifstream maps(pid ? fmt::format("/proc/{}/maps", pid) : std::string("/proc/self/maps"));
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms, offset, dev, inode, path;
    if (!(in >> range >> perms >> offset >> dev >> inode >> path) || path[0] != '/' || !is_libc(path)) continue;
    return pid ? fmt::format("/proc/{}/root{}", pid, path) : path;
  }
  return "";
}

// The loaded gethostlatency object, its two programs attached to each function of `libc`.
class GethostlatencyObject {
 public:
  explicit GethostlatencyObject(const ToolOptions& o) {
    if (o.pid && access(fmt::format("/proc/{}", o.pid).c_str(), F_OK) != 0)
      throw core::UsageError(fmt::format("--pid {}: no such process", o.pid));
    libc_ = libc_of(o.pid);
    if (libc_.empty())
      throw core::UnsupportedError(
          o.pid ? fmt::format("gethostlatency: process {} maps no glibc libc.so (statically linked, or another libc): "
                              "its lookups cannot be traced",
                              o.pid)
                : std::string("gethostlatency: this process maps no glibc libc.so: cannot find the libc to trace"));
    route_libbpf_logs();
    skel_.reset(gethostlatency_bpf__open());
    if (!skel_) core::throw_errno("open BPF object gethostlatency");
    set_filters(skel_->rodata, o);
    if (int err = gethostlatency_bpf__load(skel_.get()); err) core::throw_errno(-err, "load BPF object gethostlatency");
    // --pid: attached to that process only (the kernel filters), and the BPF knob as well.
    const pid_t target = o.pid ? pid_t(o.pid) : -1;
    for (const char* fn : kFunctions) {
      for (bool ret : {false, true}) {
        LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = ret, .func_name = fn);
        bpf_program* prog = ret ? skel_->progs.gethostlatency_return : skel_->progs.gethostlatency_call;
        bpf_link* link = bpf_program__attach_uprobe_opts(prog, target, libc_.c_str(), 0, &uo);
        const std::string what = fmt::format("{}:{}:{}", ret ? "uretprobe" : "uprobe", libc_, fn);
        if (!link) {
          const int err = errno;
          if (err == EPERM || err == EOPNOTSUPP || err == ENOTSUP || err == ENODEV)
            throw core::UnsupportedError(
                fmt::format("gethostlatency: the kernel refused {}: {} (uprobes unavailable)", what, std::strerror(err)));
          core::throw_errno(err, "attach " + what);
        }
        links_.emplace_back(link);
        programs_.push_back(what);
      }
    }
  }
  gethostlatency_bpf& skel() const { return *skel_; }
  const std::vector<std::string>& programs() const { return programs_; }

 private:
  std::string libc_;
  SkelPtr<gethostlatency_bpf> skel_;
  std::vector<BpfLink> links_;  // after skel_: the links go before the object
  std::vector<std::string> programs_;
};

core::Values values_of(const pb_gethostlat_event& e) {
  return {clock_time_of(e.ts_ns), uint64_t(e.pid), comm_of(e.comm, sizeof e.comm), double(e.lat_ns) / 1e6,
          comm_of(e.host, sizeof e.host)};
}

void run_gethostlatency(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) {
  GethostlatencyObject obj(opts);
  core::Histogram interval_us, total_us;
  auto ring = RingBuffer::of<pb_gethostlat_event>(bpf_map__fd(obj.skel().maps.events),
                                                  bpf_map__fd(obj.skel().maps.events_lost),
                                                  [&](const pb_gethostlat_event& e) {
                                                    sink.event(values_of(e));
                                                    interval_us.record(e.lat_ns / 1000);
                                                    total_us.record(e.lat_ns / 1000);
                                                  });
  const int counters_fd = bpf_map__fd(obj.skel().maps.counters);
  run_ring_tool("gethostlatency", obj.programs(), loop, *ring, sink, [&](bool final) {
    core::Summary s;
    s.histograms.push_back(final ? total_us : interval_us);
    interval_us = core::Histogram();
    if (final)
      if (uint64_t n = sum_percpu(counters_fd, PB_GETHOSTLAT_UNTRACKED, "gethostlatency counters"))
        s.notes.push_back(fmt::format("{} lookups not timed: {} were in progress already (the table is full)", n,
                                      PB_GETHOSTLAT_MAX_THREADS));
    return s;
  });
}

ToolCheck check_gethostlatency() {
  if (auto why = missing_btf(); !why.empty()) return {false, why};
  if (access(kUprobePmu, F_OK) != 0)
    return {false, fmt::format("no uprobe event source ({}): the kernel has no CONFIG_UPROBE_EVENTS", kUprobePmu)};
  if (libc_of(0).empty()) return {false, "no glibc libc.so mapped in this process: nothing to attach uprobes to"};
  return {true,
          "sees glibc's getaddrinfo/gethostbyname/gethostbyname2 in the libc this process maps (or --pid's); "
          "static, Go and musl binaries, and containers with their own libc file, are not seen"};
}

}  // namespace

const Tool& gethostlatency_tool() {
  static const Tool tool{
      .schema = {.tool = "gethostlatency", .event_fields = kEventFields, .summary_fields = {}, .histograms = kHistograms},
      .doc = "host name lookups through libc (getaddrinfo, gethostbyname, gethostbyname2): process, latency, name",
      .options = kOptNetns | kOptPid | kOptComm | kOptInterval,
      .check = check_gethostlatency,
      .run = run_gethostlatency,
  };
  return tool;
}

}  // namespace pb::probes::tools
