#include "kernel_probes/probe_features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>

#include "bench/core/errors.h"
#include "bench/core/feature_check.h"
#include "bench/core/files.h"
#include "bench/core/log.h"
#include "bench/core/unique_fd.h"
#include "kernel_probes/bpf_util.h"

namespace pb::probes {

namespace {

using core::UniqueFd;
using core::feature_fail;
using core::try_feature;

constexpr const char* kKprobePmuDir = "/sys/bus/event_source/devices/kprobe";
constexpr const char* kVmlinuxBtf = "/sys/kernel/btf/vmlinux";
// Symbols that have existed under these names for many kernel releases.
constexpr const char* kTracepoint = "sched_switch";
constexpr const char* kKprobeSymbol = "tcp_sendmsg";
constexpr const char* kFentryFunc = "tcp_sendmsg";

UniqueFd perf_event_open_cpu0(struct perf_event_attr* attr) {
  attr->size = sizeof *attr;
  long fd = syscall(__NR_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) feature_fail(errno, "perf_event_open");
  return UniqueFd(int(fd));
}

void attach_to_perf_event(int perf_fd, int prog_fd) {
  if (ioctl(perf_fd, PERF_EVENT_IOC_SET_BPF, prog_fd) != 0) feature_fail(errno, "attach");
}

__u32 vmlinux_btf_id(const char* name, __u32 kind) {
  int err = 0;
  const btf* vmlinux = vmlinux_btf(&err);
  if (!vmlinux) feature_fail(err, "load vmlinux BTF");
  __s32 id = btf__find_by_name_kind(vmlinux, name, kind);
  if (id < 0) feature_fail(-id, fmt::format("find {} in vmlinux BTF", name));
  return __u32(id);
}

bool is_mount_of(const char* path, __fsword_t magic) {
  struct statfs st;
  return statfs(path, &st) == 0 && st.f_type == magic;
}

std::string ensure_mount(const char* path, const char* fstype, __fsword_t magic, const char* what,
                         bool* mounted_now) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (mounted_now) *mounted_now = false;
  if (is_mount_of(path, magic)) return path;
  // bpffs wants 0700 like systemd mounts it; tracefs takes the kernel's default.
  const char* data = magic == BPF_FS_MAGIC ? "mode=0700" : nullptr;
  if (mount(fstype, path, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, data) != 0)
    core::throw_errno(fmt::format("mount {} at {}", what, path));
  PB_INFO("{} was not mounted: mounted it at {}", what, path);
  if (mounted_now) *mounted_now = true;
  return path;
}

void probe_tracepoint() {
  std::string tracefs = ensure_tracefs();
  std::string id_path = tracefs + "/events/sched/" + kTracepoint + "/id";
  std::string id_text;
  try {
    id_text = core::read_file(id_path);
  } catch (const std::system_error& e) {
    feature_fail(e.code().value(), "read " + id_path);
  }
  UniqueFd prog = load_trivial_program(BPF_PROG_TYPE_TRACEPOINT, 0);
  struct perf_event_attr attr = {};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.config = std::stoull(id_text);
  attr.sample_period = 1;
  attr.wakeup_events = 1;
  UniqueFd ev = perf_event_open_cpu0(&attr);
  attach_to_perf_event(ev.get(), prog.get());
}

void probe_raw_tp() {
  UniqueFd prog = load_trivial_program(BPF_PROG_TYPE_RAW_TRACEPOINT, 0);
  int link = bpf_raw_tracepoint_open(kTracepoint, prog.get());
  if (link < 0) feature_fail(errno, "attach");
  UniqueFd owned(link);
}

void probe_tp_btf() {
  __u32 id = vmlinux_btf_id((std::string("btf_trace_") + kTracepoint).c_str(), BTF_KIND_TYPEDEF);
  UniqueFd prog = load_trivial_program(BPF_PROG_TYPE_TRACING, 0, BPF_TRACE_RAW_TP, id);
  int link = bpf_raw_tracepoint_open(nullptr, prog.get());
  if (link < 0) feature_fail(errno, "attach");
  UniqueFd owned(link);
}

void probe_kprobe() {
  std::string type_path = std::string(kKprobePmuDir) + "/type";
  if (access(type_path.c_str(), R_OK) != 0)
    throw core::FeatureFailure(ENOENT, fmt::format("kprobes not built into this kernel (no {})", kKprobePmuDir));
  int pmu_type = std::stoi(core::read_file(type_path));
  UniqueFd prog = load_trivial_program(BPF_PROG_TYPE_KPROBE, 0);
  struct perf_event_attr attr = {};
  attr.type = __u32(pmu_type);
  attr.config1 = __u64(uintptr_t(kKprobeSymbol));  // kprobe_func
  attr.config2 = 0;                                 // probe_offset
  UniqueFd ev = perf_event_open_cpu0(&attr);
  attach_to_perf_event(ev.get(), prog.get());
}

void probe_fentry() {
  __u32 id = vmlinux_btf_id(kFentryFunc, BTF_KIND_FUNC);
  UniqueFd prog = load_trivial_program(BPF_PROG_TYPE_TRACING, 0, BPF_TRACE_FENTRY, id);
  int link = bpf_raw_tracepoint_open(nullptr, prog.get());
  if (link < 0) feature_fail(errno, "attach");
  UniqueFd owned(link);
}

reports::Mount probe_mount(std::string (*ensure)(bool*)) {
  try {
    bool mounted_now = false;
    std::string path = ensure(&mounted_now);
    return {true, path, mounted_now, {}, {}};
  } catch (...) {
    reports::Feature f = core::feature_failure(std::current_exception());
    return {false, {}, {}, f.errno_name, f.error};
  }
}

}  // namespace

std::string ensure_tracefs(bool* mounted_now) {
  return ensure_mount(kTracefsPath, "tracefs", TRACEFS_MAGIC, "tracefs", mounted_now);
}

std::string ensure_bpffs(bool* mounted_now) {
  return ensure_mount(kBpffsPath, "bpf", BPF_FS_MAGIC, "bpffs", mounted_now);
}

bool kernel_btf() { return access(kVmlinuxBtf, R_OK) == 0; }

KernelFeatures probe_kernel_features() {
  route_libbpf_logs();
  KernelFeatures out;
  out.tracefs = probe_mount(ensure_tracefs);
  out.bpffs = probe_mount(ensure_bpffs);
  out.attach = {try_feature(probe_tracepoint), try_feature(probe_raw_tp), try_feature(probe_tp_btf),
                try_feature(probe_kprobe), try_feature(probe_fentry)};
  return out;
}

}  // namespace pb::probes
