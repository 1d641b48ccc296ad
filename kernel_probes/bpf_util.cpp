#include "kernel_probes/bpf_util.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "bench/core/feature_check.h"
#include "bench/core/log.h"

namespace pb::probes {

namespace {
int print_fn(enum libbpf_print_level, const char* fmt, va_list args) {
  if (core::log_level() > core::LogLevel::kDebug) return 0;
  PB_DEBUG("libbpf: {}", format_print(fmt, args));
  return 0;
}
}  // namespace

std::string format_print(const char* fmt, va_list args) {
  // Whole, however long: a verifier log comes as one message.
  va_list again;
  va_copy(again, args);
  int n = vsnprintf(nullptr, 0, fmt, again);
  va_end(again);
  std::string msg(n > 0 ? size_t(n) : 0, '\0');
  if (n > 0) vsnprintf(msg.data(), msg.size() + 1, fmt, args);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return msg;
}

void route_libbpf_logs() { libbpf_set_print(print_fn); }

core::UniqueFd load_trivial_program(bpf_prog_type type, int ret, bpf_attach_type attach_type, __u32 attach_btf_id) {
  const struct bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0, .imm = ret},
      {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
  };
  char log[4096] = "";
  LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type, .attach_btf_id = attach_btf_id,
              .log_size = sizeof log, .log_buf = log);
  int fd = bpf_prog_load(type, "pb_env", "GPL", insns, sizeof insns / sizeof insns[0], &opts);
  if (fd < 0) {
    int err = errno;
    if (log[0] != '\0') PB_DEBUG("verifier log for program type {}: {}", int(type), log);
    core::feature_fail(err, "load");
  }
  return core::UniqueFd(fd);
}

const btf* vmlinux_btf(int* err) {
  static int load_errno = 0;
  static const std::unique_ptr<btf, decltype(&btf__free)> b = [] {
    btf* loaded = btf__load_vmlinux_btf();
    if (!loaded) load_errno = errno ? errno : ENOENT;
    return std::unique_ptr<btf, decltype(&btf__free)>(loaded, &btf__free);
  }();
  if (err) *err = load_errno;
  return b.get();
}

bool vmlinux_has(std::string_view name, int kind) {
  const btf* b = vmlinux_btf();
  return b && btf__find_by_name_kind(b, std::string(name).c_str(), kind) > 0;
}

}  // namespace pb::probes
