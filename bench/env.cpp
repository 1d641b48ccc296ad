#include "bench/env.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <glob.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/sysfs_guard.h"
#include "bench/core/unique_fd.h"
#include "bench/core/veth.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

namespace pb::bench {

namespace {

using core::UniqueFd;
using nlohmann::json;

constexpr const char* kKprobePmuDir = "/sys/bus/event_source/devices/kprobe";
constexpr const char* kVmlinuxBtf = "/sys/kernel/btf/vmlinux";
// Symbols that have existed under these names for many kernel releases.
constexpr const char* kTracepoint = "sched_switch";
constexpr const char* kKprobeSymbol = "tcp_sendmsg";
constexpr const char* kFentryFunc = "tcp_sendmsg";

// An expected "cannot here": a stage ("load", "attach", ...) and the errno it failed with.
class ProbeFailure : public std::runtime_error {
 public:
  ProbeFailure(int err, const std::string& message) : std::runtime_error(message), err_(err) {}
  int err() const { return err_; }

 private:
  int err_;
};

[[noreturn]] void fail(int err, const std::string& stage) {
  throw ProbeFailure(err, stage + ": " + std::strerror(err));
}

json errno_name(int err) {
  if (err <= 0) return nullptr;
  const char* name = strerrorname_np(err);
  return name ? json(name) : json(fmt::format("errno {}", err));
}

json ok_result() { return {{"ok", true}, {"errno", nullptr}, {"error", nullptr}}; }

json failure_result(const std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const ProbeFailure& e) {
    return {{"ok", false}, {"errno", errno_name(e.err())}, {"error", e.what()}};
  } catch (const std::system_error& e) {
    bool is_errno = e.code().category() == std::generic_category() ||
                    e.code().category() == std::system_category();
    return {{"ok", false}, {"errno", is_errno ? errno_name(e.code().value()) : json(nullptr)},
            {"error", e.what()}};
  } catch (const std::exception& e) {
    return {{"ok", false}, {"errno", nullptr}, {"error", e.what()}};
  } catch (...) {
    return {{"ok", false}, {"errno", nullptr}, {"error", "unknown exception"}};
  }
}

// Runs a yes/no probe: {ok: true, ...} when `fn` returns, the failure otherwise.
json try_feature(const std::function<void()>& fn) {
  try {
    fn();
    return ok_result();
  } catch (...) {
    return failure_result(std::current_exception());
  }
}

// Runs a probe that builds its own JSON; an exception becomes {ok: false, error}.
json try_section(const std::function<json()>& fn) {
  try {
    return fn();
  } catch (...) {
    return failure_result(std::current_exception());
  }
}

int libbpf_to_log(enum libbpf_print_level level, const char* format, va_list args) {
  (void)level;  // libbpf's warnings are about probes expected to fail: all go to debug
  if (core::log_level() > core::LogLevel::kDebug) return 0;
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, format, args);
  std::string msg(buf);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  PB_DEBUG("{}", msg);
  return n;
}

// Routes libbpf's prints to the project logger for the lifetime of the object.
class LibbpfPrintScope {
 public:
  LibbpfPrintScope() : old_(libbpf_set_print(libbpf_to_log)) {}
  LibbpfPrintScope(const LibbpfPrintScope&) = delete;
  LibbpfPrintScope& operator=(const LibbpfPrintScope&) = delete;
  ~LibbpfPrintScope() { libbpf_set_print(old_); }

 private:
  libbpf_print_fn_t old_;
};

struct BtfDeleter {
  void operator()(struct btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfDeleter>;

// `r0 = ret; exit`: the smallest program every program type accepts.
UniqueFd load_program(enum bpf_prog_type type, int ret, enum bpf_attach_type attach_type = {},
                      __u32 attach_btf_id = 0) {
  const struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0, .imm = ret},
      {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
  };
  char log[4096] = "";
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type,
              .attach_btf_id = attach_btf_id, .log_size = sizeof log, .log_buf = log);
  int fd = bpf_prog_load(type, "pb_env", "GPL", insns, sizeof insns / sizeof insns[0], &opts);
  if (fd < 0) {
    int err = errno;
    if (log[0] != '\0') PB_DEBUG("verifier log for program type {}: {}", int(type), log);
    fail(err, "load");
  }
  return UniqueFd(fd);
}

UniqueFd perf_event_open_cpu0(struct perf_event_attr* attr) {
  attr->size = sizeof *attr;
  long fd = syscall(__NR_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) fail(errno, "perf_event_open");
  return UniqueFd(int(fd));
}

void attach_to_perf_event(int perf_fd, int prog_fd) {
  if (ioctl(perf_fd, PERF_EVENT_IOC_SET_BPF, prog_fd) != 0) fail(errno, "attach");
}

__u32 vmlinux_btf_id(const char* name, __u32 kind) {
  BtfPtr btf(btf__load_vmlinux_btf());
  if (!btf) fail(errno ? errno : ENOENT, "load vmlinux BTF");
  __s32 id = btf__find_by_name_kind(btf.get(), name, kind);
  if (id < 0) fail(-id, fmt::format("find {} in vmlinux BTF", name));
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
    fail(e.code().value(), "read " + id_path);
  }
  UniqueFd prog = load_program(BPF_PROG_TYPE_TRACEPOINT, 0);
  struct perf_event_attr attr = {};
  attr.type = PERF_TYPE_TRACEPOINT;
  attr.config = std::stoull(id_text);
  attr.sample_period = 1;
  attr.wakeup_events = 1;
  UniqueFd ev = perf_event_open_cpu0(&attr);
  attach_to_perf_event(ev.get(), prog.get());
}

void probe_raw_tp() {
  UniqueFd prog = load_program(BPF_PROG_TYPE_RAW_TRACEPOINT, 0);
  int link = bpf_raw_tracepoint_open(kTracepoint, prog.get());
  if (link < 0) fail(errno, "attach");
  UniqueFd owned(link);
}

void probe_tp_btf() {
  __u32 id = vmlinux_btf_id((std::string("btf_trace_") + kTracepoint).c_str(), BTF_KIND_TYPEDEF);
  UniqueFd prog = load_program(BPF_PROG_TYPE_TRACING, 0, BPF_TRACE_RAW_TP, id);
  int link = bpf_raw_tracepoint_open(nullptr, prog.get());
  if (link < 0) fail(errno, "attach");
  UniqueFd owned(link);
}

void probe_kprobe() {
  std::string type_path = std::string(kKprobePmuDir) + "/type";
  if (access(type_path.c_str(), R_OK) != 0)
    throw ProbeFailure(ENOENT, fmt::format("kprobes not built into this kernel (no {})", kKprobePmuDir));
  int pmu_type = std::stoi(core::read_file(type_path));
  UniqueFd prog = load_program(BPF_PROG_TYPE_KPROBE, 0);
  struct perf_event_attr attr = {};
  attr.type = __u32(pmu_type);
  attr.config1 = __u64(uintptr_t(kKprobeSymbol));  // kprobe_func
  attr.config2 = 0;                                 // probe_offset
  UniqueFd ev = perf_event_open_cpu0(&attr);
  attach_to_perf_event(ev.get(), prog.get());
}

void probe_fentry() {
  __u32 id = vmlinux_btf_id(kFentryFunc, BTF_KIND_FUNC);
  UniqueFd prog = load_program(BPF_PROG_TYPE_TRACING, 0, BPF_TRACE_FENTRY, id);
  int link = bpf_raw_tracepoint_open(nullptr, prog.get());
  if (link < 0) fail(errno, "attach");
  UniqueFd owned(link);
}

void attach_xdp(int prog_fd, int ifindex, __u32 mode) {
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode);
  int link = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
  if (link < 0) fail(errno, "attach");
  UniqueFd owned(link);  // the attachment ends with the link
}

void run_live_frame(int prog_fd, int ifindex) {
  // A broadcast frame with an experimental ethertype: nothing in the netns answers it.
  unsigned char frame[64] = {};
  std::memset(frame, 0xff, 6);
  frame[6] = 0x02;
  frame[12] = 0x88;
  frame[13] = 0xb5;
  struct xdp_md ctx = {};
  ctx.data_end = sizeof frame;
  ctx.ingress_ifindex = __u32(ifindex);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = sizeof frame,
              .ctx_in = &ctx, .ctx_size_in = sizeof ctx, .repeat = 1,
              .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) fail(errno, "test_run");
}

json probe_xdp() {
  json out;
  std::string ns_name = fmt::format("pbenv-{}", getpid());
  try {
    core::ScopedNetns ns(ns_name);
    // Enter first so the veth is created and deleted inside the throwaway netns: its
    // names then cannot clash with anything on the host.
    core::NetnsGuard in(ns.fd());
    core::VethConfig cfg;
    cfg.a.ifname = "pbenv0";
    cfg.b.ifname = "pbenv1";
    core::VethPair veth(cfg);
    int ifindex = veth.ifindex_a();
    UniqueFd prog = load_program(BPF_PROG_TYPE_XDP, XDP_PASS);
    // Native and generic cannot be attached at once: each attach is undone before the next.
    out["native"] = try_feature([&] { attach_xdp(prog.get(), ifindex, XDP_FLAGS_DRV_MODE); });
    out["generic"] = try_feature([&] { attach_xdp(prog.get(), ifindex, XDP_FLAGS_SKB_MODE); });
    out["test_run_live_frames"] = try_feature([&] { run_live_frame(prog.get(), ifindex); });
  } catch (...) {
    json f = failure_result(std::current_exception());
    for (const char* k : {"native", "generic", "test_run_live_frames"})
      if (!out.contains(k)) out[k] = f;
  }
  return out;
}

void probe_af_xdp() {
  UniqueFd fd(socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!fd) fail(errno, "socket(AF_XDP)");
}

json probe_dpdk() {
  json out;
#ifdef PB_DPDK_VERSION
  out["built"] = true;
  out["version"] = PB_DPDK_VERSION;
#else
  out["built"] = false;
  out["version"] = nullptr;
#endif
  // libdpdk.pc names no PMD directory; these globs cover Debian's multiarch layout and a
  // source install under /usr/local.
  static constexpr const char* kPatterns[] = {
      "/usr/lib/*/dpdk/pmds-*/librte_net_*.so",
      "/usr/lib64/dpdk/pmds-*/librte_net_*.so",
      "/usr/local/lib/*/dpdk/pmds-*/librte_net_*.so",
      "/usr/local/lib64/dpdk/pmds-*/librte_net_*.so",
  };
  std::set<std::string> pmds;
  std::set<std::string> dirs;
  for (const char* pattern : kPatterns) {
    glob_t g = {};
    if (glob(pattern, 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::filesystem::path p(g.gl_pathv[i]);
        std::string stem = p.filename().string();  // librte_net_af_xdp.so
        constexpr std::string_view kPrefix = "librte_";
        stem = stem.substr(kPrefix.size(), stem.size() - kPrefix.size() - 3);
        pmds.insert(stem);
        dirs.insert(p.parent_path().string());
      }
    }
    globfree(&g);
  }
  out["pmds"] = std::vector<std::string>(pmds.begin(), pmds.end());
  out["pmd_dirs"] = std::vector<std::string>(dirs.begin(), dirs.end());
  return out;
}

// /proc/meminfo "Key:   123 kB" -> 123 (the number as written).
json meminfo_value(const std::string& meminfo, const std::string& key) {
  std::istringstream in(meminfo);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size() + 1, key + ":") != 0) continue;
    return std::stoull(line.substr(key.size() + 1));
  }
  return nullptr;
}

json probe_hugepages() {
  std::string meminfo = core::read_file("/proc/meminfo");
  return {{"total", meminfo_value(meminfo, "HugePages_Total")},
          {"free", meminfo_value(meminfo, "HugePages_Free")},
          {"size_kb", meminfo_value(meminfo, "Hugepagesize")}};
}

json probe_cpus() {
  json model = nullptr;
  std::istringstream in(core::read_file("/proc/cpuinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto start = line.find_first_not_of(" \t", colon + 1);
    model = start == std::string::npos ? "" : line.substr(start);
    break;
  }
  return {{"online", sysconf(_SC_NPROCESSORS_ONLN)}, {"model", model}};
}

json probe_mount(const std::function<std::string(bool*)>& ensure) {
  bool mounted_now = false;
  std::string path = ensure(&mounted_now);
  return {{"ok", true}, {"path", path}, {"mounted_now", mounted_now}, {"errno", nullptr}, {"error", nullptr}};
}

std::string trimmed_file(const std::string& path) {
  std::string s = core::read_file(path);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

unsigned count_entries(const std::filesystem::path& dir, const std::string& prefix) {
  std::error_code ec;
  unsigned n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) ++n;
  return n;
}

// The interfaces of the caller's netns as sysfs shows them.
json probe_nics() {
  json out = json::array();
  std::vector<std::filesystem::path> links;
  for (const auto& e : std::filesystem::directory_iterator("/sys/class/net")) links.push_back(e.path());
  std::sort(links.begin(), links.end());
  for (const auto& p : links) {
    json nic = {{"name", p.filename().string()}};
    std::error_code ec;
    auto driver = std::filesystem::read_symlink(p / "device/driver", ec);
    nic["driver"] = ec ? json(nullptr) : json(driver.filename().string());
    try {
      nic["operstate"] = trimmed_file((p / "operstate").string());
      nic["mtu"] = std::stoul(trimmed_file((p / "mtu").string()));
    } catch (const std::exception&) {
      nic["operstate"] = nullptr;
    }
    nic["rx_queues"] = count_entries(p / "queues", "rx-");
    nic["tx_queues"] = count_entries(p / "queues", "tx-");
    out.push_back(std::move(nic));
  }
  return out;
}

std::string yes_no(const json& j) {
  if (!j.is_object()) return "?";
  if (j.value("ok", false)) return "yes";
  std::string why = j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
  return why.empty() ? "no" : "no   " + why;
}

std::string str_or(const json& j, const char* key, const std::string& dflt) {
  if (!j.is_object() || !j.contains(key)) return dflt;
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return dflt;
  return v.dump();
}

const json& at_or_null(const json& j, const char* key) {
  static const json kNull = nullptr;
  return j.is_object() && j.contains(key) ? j[key] : kNull;
}

}  // namespace

std::string ensure_tracefs(bool* mounted_now) {
  return ensure_mount(kTracefsPath, "tracefs", TRACEFS_MAGIC, "tracefs", mounted_now);
}

std::string ensure_bpffs(bool* mounted_now) {
  return ensure_mount(kBpffsPath, "bpf", BPF_FS_MAGIC, "bpffs", mounted_now);
}

json probe_environment() {
  LibbpfPrintScope print_scope;
  json env;
  env["kernel"] = try_section([] {
    struct utsname u;
    if (uname(&u) != 0) core::throw_errno("uname");
    return json{{"release", u.release}, {"btf", access(kVmlinuxBtf, R_OK) == 0}};
  });
  env["tracefs"] = try_section([] { return probe_mount(ensure_tracefs); });
  env["bpffs"] = try_section([] { return probe_mount(ensure_bpffs); });
  env["attach"] = {
      {"tracepoint", try_feature(probe_tracepoint)}, {"raw_tp", try_feature(probe_raw_tp)},
      {"tp_btf", try_feature(probe_tp_btf)},         {"kprobe", try_feature(probe_kprobe)},
      {"fentry", try_feature(probe_fentry)},
  };
  env["xdp"] = try_section(probe_xdp);
  env["af_xdp"] = try_feature(probe_af_xdp);
  env["dpdk"] = try_section(probe_dpdk);
  env["hugepages"] = try_section(probe_hugepages);
  env["cpus"] = try_section(probe_cpus);
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGESIZE);
  env["memory_bytes"] = pages > 0 && page_size > 0 ? json(uint64_t(pages) * uint64_t(page_size)) : json(nullptr);
  env["nics"] = try_section(probe_nics);
  return env;
}

std::string render_environment(const json& env) {
  std::string out;
  auto row = [&](const std::string& key, const std::string& value) {
    out += fmt::format("{:<22}{}\n", key, value);
  };
  const json& kernel = at_or_null(env, "kernel");
  row("kernel", fmt::format("{} (BTF: {})", str_or(kernel, "release", "?"),
                            kernel.is_object() && kernel.value("btf", false) ? "yes" : "no"));
  for (const char* fs : {"tracefs", "bpffs"}) {
    const json& m = at_or_null(env, fs);
    row(fs, m.is_object() && m.value("ok", false) ? str_or(m, "path", "?") : yes_no(m));
  }
  const json& attach = at_or_null(env, "attach");
  for (const char* t : {"tracepoint", "raw_tp", "tp_btf", "kprobe", "fentry"})
    row(std::string("attach ") + t, yes_no(at_or_null(attach, t)));
  const json& xdp = at_or_null(env, "xdp");
  row("xdp native", yes_no(at_or_null(xdp, "native")));
  row("xdp generic", yes_no(at_or_null(xdp, "generic")));
  row("xdp live frames", yes_no(at_or_null(xdp, "test_run_live_frames")));
  row("af_xdp", yes_no(at_or_null(env, "af_xdp")));
  const json& dpdk = at_or_null(env, "dpdk");
  std::string pmds;
  if (dpdk.is_object() && dpdk.contains("pmds") && dpdk["pmds"].is_array())
    for (const auto& p : dpdk["pmds"]) pmds += (pmds.empty() ? "" : " ") + p.get<std::string>();
  row("dpdk", dpdk.is_object() && dpdk.value("built", false)
                  ? fmt::format("built with {}", str_or(dpdk, "version", "?"))
                  : "not built in");
  row("dpdk pmds", pmds.empty() ? "none found" : pmds);
  const json& huge = at_or_null(env, "hugepages");
  row("hugepages", fmt::format("{} free of {} ({} kB pages)", str_or(huge, "free", "?"),
                               str_or(huge, "total", "?"), str_or(huge, "size_kb", "?")));
  const json& cpus = at_or_null(env, "cpus");
  row("cpus", fmt::format("{} online, {}", str_or(cpus, "online", "?"), str_or(cpus, "model", "?")));
  const json& mem = at_or_null(env, "memory_bytes");
  row("memory", mem.is_number() ? fmt::format("{:.1f} GiB", mem.get<double>() / (1ull << 30)) : "?");
  const json& nics = at_or_null(env, "nics");
  if (nics.is_array()) {
    for (const auto& n : nics)
      row("nic " + str_or(n, "name", "?"),
          fmt::format("{}, {}, {} rx / {} tx queues", str_or(n, "driver", "virtual"),
                      str_or(n, "operstate", "?"), str_or(n, "rx_queues", "?"), str_or(n, "tx_queues", "?")));
  }
  return out;
}

}  // namespace pb::bench
