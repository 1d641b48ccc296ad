// XdpEventsProbe: loads and attaches the xdp_events BPF family (xdp:* tracepoints) for one
// run and reads what the kernel reported about XDP on the benchmark's interfaces:
// exceptions by action, redirect errors, XDP_TX bulk and DEVMAP transmits, CPUMAP queues.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernel_probes/probe_attach.h"
#include "kernel_probes/skel_ptr.h"

struct xdp_events_bpf;

namespace pb::probes {

// One interface to count: ifindex within the netns of inode netns_ino (0: any netns).
struct XdpEventsIf {
  uint32_t ifindex = 0;
  uint32_t netns_ino = 0;
};

struct XdpEventsFilter {
  std::vector<XdpEventsIf> ifs;  // at most 4; empty: every device on the host
  uint32_t cpumap_map_id = 0;    // CPUMAP events of this map only (0: every CPUMAP)
  // xdp_devmap_xmit and the cpumap hooks fire once per bulk of redirected frames, also for
  // a live-frames generator's own XDP_TX: attach them only where the path redirects.
  bool redirect_hooks = true;
};

// Counts for one device (summed over CPUs).
struct XdpDevEvents {
  uint32_t ifindex = 0;
  uint32_t netns_ino = 0;
  // xdp_exception by action: aborted, drop, pass, tx, redirect, other (see kXdpActionNames).
  std::array<uint64_t, 6> exception{};
  uint64_t redirect_err = 0;
  uint64_t bulk_tx_sent = 0;
  uint64_t bulk_tx_drops = 0;
  uint64_t bulk_tx_err = 0;
  uint64_t devmap_xmit_sent = 0;  // as the transmitting (to_dev) device of a DEVMAP redirect
  uint64_t devmap_xmit_drops = 0;
  uint64_t devmap_xmit_err = 0;

  uint64_t exceptions() const;
  XdpDevEvents& operator-=(const XdpDevEvents& o);
};

inline constexpr std::array<const char*, 6> kXdpActionNames = {"aborted", "drop", "pass", "tx", "redirect", "other"};

struct XdpCpumapEvents {
  uint64_t enqueue_calls = 0;
  uint64_t enqueue_processed = 0;
  uint64_t enqueue_drops = 0;
  uint64_t kthread_calls = 0;
  uint64_t kthread_processed = 0;
  uint64_t kthread_drops = 0;
  uint64_t kthread_sched = 0;
  uint64_t kthread_xdp_pass = 0;
  uint64_t kthread_xdp_drop = 0;
  uint64_t kthread_xdp_redirect = 0;

  XdpCpumapEvents& operator-=(const XdpCpumapEvents& o);
};

// Cumulative since the probe loaded.
struct XdpEventsReading {
  std::vector<XdpDevEvents> devs;  // devices with any event, by (netns_ino, ifindex)
  XdpCpumapEvents cpumap;

  // The counts of ifindex (in any netns when netns_ino is 0); zeros when it had no event.
  XdpDevEvents dev(uint32_t ifindex, uint32_t netns_ino = 0) const;
};

// after - before (devices missing in `before` count from zero).
XdpEventsReading delta(const XdpEventsReading& before, const XdpEventsReading& after);

class XdpEventsProbe {
 public:
  // Opens, loads and attaches per hook the flavour the kernel offers (HookSet: tp_btf,
  // else raw_tp); a hook it refuses goes to programs().unavailable and the rest still
  // load. Throws core::UsageError for more than 4 interfaces, std::system_error when the
  // object cannot load at all.
  explicit XdpEventsProbe(const XdpEventsFilter& filter);
  XdpEventsProbe(const XdpEventsProbe&) = delete;
  XdpEventsProbe& operator=(const XdpEventsProbe&) = delete;
  ~XdpEventsProbe();

  // Throws std::system_error when a map cannot be read.
  XdpEventsReading read() const;
  const AttachedPrograms& programs() const { return hooks_.programs(); }

 private:
  SkelPtr<xdp_events_bpf> skel_;
  HookSet hooks_;  // declared after skel_: links detach before the object goes
};

}  // namespace pb::probes
