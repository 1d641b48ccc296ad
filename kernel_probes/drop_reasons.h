// Kernel drop reasons and code locations, decoded from the running kernel:
// enum skb_drop_reason from its BTF (the numbers move between kernels, so never a
// hard-coded table) and kfree_skb call sites from /proc/kallsyms.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace pb::probes {

class DropReasons {
 public:
  // Loads enum skb_drop_reason from /sys/kernel/btf/vmlinux; empty if unavailable.
  static DropReasons from_kernel();
  explicit DropReasons(std::map<uint32_t, std::string> names) : names_(std::move(names)) {}

  // "NO_SOCKET" for SKB_DROP_REASON_NO_SOCKET; subsystem reasons (upper 16 bits set) and
  // unknown values come back as "subsys<N>:<value>" / "reason<value>".
  std::string name(uint32_t reason) const;
  size_t size() const { return names_.size(); }

 private:
  std::map<uint32_t, std::string> names_;
};

class Kallsyms {
 public:
  // Reads /proc/kallsyms (text symbols only); empty when addresses are hidden.
  static Kallsyms from_kernel();
  // "udp_queue_rcv_one_skb+0x3c", or the hex address when unknown.
  std::string resolve(uint64_t addr) const;
  // True when no symbol was readable (kptr_restrict hides the addresses).
  bool empty() const { return syms_.empty(); }

 private:
  std::vector<std::pair<uint64_t, std::string>> syms_;  // sorted by address
};

}  // namespace pb::probes
