#include "kernel_probes/drop_reasons.h"

#include <bpf/btf.h>
#include <fmt/core.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "kernel_probes/bpf_util.h"

namespace pb::probes {

DropReasons DropReasons::from_kernel() {
  std::map<uint32_t, std::string> names;
  const btf* vmlinux = vmlinux_btf();
  if (!vmlinux) return DropReasons({});
  int id = btf__find_by_name_kind(vmlinux, "skb_drop_reason", BTF_KIND_ENUM);
  if (id < 0) return DropReasons({});
  const btf_type* t = btf__type_by_id(vmlinux, uint32_t(id));
  const struct btf_enum* e = btf_enum(t);
  static constexpr std::string_view kPrefix = "SKB_DROP_REASON_";
  for (uint16_t i = 0; i < btf_vlen(t); ++i, ++e) {
    std::string n = btf__name_by_offset(vmlinux, e->name_off);
    if (n.rfind(kPrefix, 0) == 0) n = n.substr(kPrefix.size());
    else if (n.rfind("SKB_", 0) == 0) n = n.substr(4);  // SKB_NOT_DROPPED_YET, SKB_CONSUMED
    names.emplace(uint32_t(e->val), std::move(n));
  }
  return DropReasons(std::move(names));
}

std::string DropReasons::name(uint32_t reason) const {
  // Upper 16 bits select a subsystem (SKB_DROP_REASON_SUBSYS_MASK) whose names are
  // registered at run time and are not in the core enum.
  if (reason >> 16) return fmt::format("subsys{}:{}", reason >> 16, reason & 0xffff);
  auto it = names_.find(reason);
  return it != names_.end() ? it->second : fmt::format("reason{}", reason);
}

Kallsyms Kallsyms::from_kernel() {
  Kallsyms k;
  std::ifstream in("/proc/kallsyms");
  std::string line;
  while (std::getline(in, line)) {
    // "ffffffff81000000 T _stext [module]"
    size_t a = line.find(' ');
    if (a == std::string::npos || a + 3 >= line.size()) continue;
    char type = line[a + 1];
    if (type != 't' && type != 'T') continue;
    uint64_t addr = std::stoull(line.substr(0, a), nullptr, 16);
    if (addr == 0) continue;  // kptr_restrict hides addresses
    size_t b = line.find_first_of(" \t", a + 3);
    k.syms_.emplace_back(addr, line.substr(a + 3, b == std::string::npos ? std::string::npos : b - a - 3));
  }
  std::sort(k.syms_.begin(), k.syms_.end());
  return k;
}

std::string Kallsyms::resolve(uint64_t addr) const {
  auto it = std::upper_bound(syms_.begin(), syms_.end(), std::make_pair(addr, std::string("\xff")));
  if (it == syms_.begin()) return fmt::format("{:#x}", addr);
  --it;
  return fmt::format("{}+{:#x}", it->second, addr - it->first);
}

}  // namespace pb::probes
