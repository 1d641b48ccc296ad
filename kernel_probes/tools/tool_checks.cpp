#include "kernel_probes/tools/tool_checks.h"

#include <bpf/btf.h>
#include <fmt/core.h>
#include <unistd.h>

#include <memory>

#include "kernel_probes/bpf_util.h"
#include "kernel_probes/probe_features.h"

namespace pb::probes::tools {

std::string missing_btf() {
  if (vmlinux_btf()) return "";
  return "no kernel BTF (/sys/kernel/btf/vmlinux): the tool's CO-RE reads of kernel structs need it";
}

std::string missing_tracepoint(std::string_view category, std::string_view event) {
  if (vmlinux_has(fmt::format("btf_trace_{}", event), BTF_KIND_TYPEDEF)) return "";
  std::string format = fmt::format("{}/events/{}/{}/format", kTracefsPath, category, event);
  if (access(format.c_str(), F_OK) == 0) return "";
  return fmt::format("no tracepoint {}:{} in this kernel (neither in its BTF nor in {})", category, event, kTracefsPath);
}

int tracepoint_arity(std::string_view event) {
  const btf* b = vmlinux_btf();
  if (!b) return -1;
  int id = btf__find_by_name_kind(b, fmt::format("btf_trace_{}", event).c_str(), BTF_KIND_TYPEDEF);
  if (id <= 0) return -1;
  // typedef -> pointer -> func_proto (void *ctx, the TP_PROTO args...)
  const btf_type* t = btf__type_by_id(b, btf__type_by_id(b, uint32_t(id))->type);
  if (!t || !btf_is_ptr(t)) return -1;
  t = btf__type_by_id(b, t->type);
  if (!t || !btf_is_func_proto(t)) return -1;
  return int(btf_vlen(t)) - 1;
}

std::string missing_member(std::string_view type, std::string_view member) {
  const btf* b = vmlinux_btf();
  if (!b) return missing_btf();
  int id = btf__find_by_name_kind(b, std::string(type).c_str(), BTF_KIND_STRUCT);
  if (id <= 0) return fmt::format("no struct {} in the kernel's BTF", type);
  const btf_type* t = btf__type_by_id(b, uint32_t(id));
  const btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); ++i, ++m)
    if (btf__name_by_offset(b, m->name_off) == member) return "";
  return fmt::format("struct {} has no member {} on this kernel", type, member);
}

bool has_enum(std::string_view name) {
  return vmlinux_has(name, BTF_KIND_ENUM);
}

}  // namespace pb::probes::tools
