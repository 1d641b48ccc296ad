#include "kernel_probes/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <string>

#include "bench/core/log.h"

namespace pb::probes {

namespace {
int print_fn(enum libbpf_print_level level, const char* fmt, va_list args) {
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, fmt, args);
  std::string msg(buf, n > 0 ? std::min<size_t>(size_t(n), sizeof buf - 1) : 0);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  // libbpf warns about every optional feature it probes; those are debug for us.
  if (level == LIBBPF_WARN) PB_DEBUG("libbpf: {}", msg);
  else if (level == LIBBPF_INFO) PB_DEBUG("libbpf: {}", msg);
  else PB_DEBUG("libbpf: {}", msg);
  return n;
}
}  // namespace

void route_libbpf_logs() { libbpf_set_print(print_fn); }

}  // namespace pb::probes
