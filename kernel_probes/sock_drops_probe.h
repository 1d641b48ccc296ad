// SockDropsProbe: loads and attaches the sock_drops BPF family for one run and reads its
// counters: UDP datagrams queued/read per side and kfree_skb drops by reason and location.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernel_probes/probe_attach.h"
#include "kernel_probes/skel_ptr.h"

struct sock_drops_bpf;

namespace pb::probes {

struct SockSideCounts {
  uint64_t queued = 0;
  uint64_t read = 0;
  uint64_t read_bytes = 0;
  uint64_t fail_queue = 0;
};

struct DropCount {
  std::string side;    // "dut" | "tg"
  std::string reason;  // kernel drop reason name, e.g. "SOCKET_RCVBUFF"
  std::string where;   // symbol+offset of the kfree_skb caller
  uint64_t count = 0;
};

struct SockDropsReading {
  SockSideCounts dut;
  SockSideCounts tg;
  std::vector<DropCount> drops;  // sorted by count, largest first
};

// Which hooks: the drops (kfree_skb, udp_fail_queue_rcv_skb: they fire per drop) and the
// per-datagram delivery counters (sk_data_ready, sock_recv_length).
struct SockDropsHooks {
  bool drops = true;
  bool delivery = false;
  Flavour first = Flavour::kTpBtf;  // tests: the flavours an older kernel would get
};

class SockDropsProbe {
 public:
  // Opens, loads and attaches per hook the flavour the kernel offers (HookSet: tp_btf,
  // raw_tp, classic tracepoint), filtered to the two namespaces (inode numbers); a hook
  // the kernel refuses goes to programs().unavailable. Throws std::system_error when the
  // object cannot load at all.
  SockDropsProbe(uint32_t dut_netns_ino, uint32_t tg_netns_ino, SockDropsHooks hooks = {});
  SockDropsProbe(const SockDropsProbe&) = delete;
  SockDropsProbe& operator=(const SockDropsProbe&) = delete;
  ~SockDropsProbe();

  SockDropsReading read() const;
  const AttachedPrograms& programs() const { return hooks_.programs(); }

 private:
  SkelPtr<sock_drops_bpf> skel_;
  HookSet hooks_;  // declared after skel_: links detach before the object goes
};

}  // namespace pb::probes
