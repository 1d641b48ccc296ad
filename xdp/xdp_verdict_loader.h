// XdpVerdictProgram: loads one of the XDP verdict programs (xdp_drop, xdp_pass, xdp_tx,
// xdp_redirect), attaches it to the DUT interface and reads its per-queue counters and
// in-program latency histogram.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "bench/core/histogram.h"
#include "kernel_probes/skel_ptr.h"
#include "xdp/xdp_attach.h"

struct xdp_verdict_bpf;

namespace pb::xdp {

// The verdict the program returns for every frame.
enum class XdpVerdict { kDrop, kPass, kTx, kRedirect };

// "drop" | "pass" | "tx" | "redirect".
const char* to_string(XdpVerdict v);

struct XdpVerdictConfig {
  XdpVerdict verdict = XdpVerdict::kDrop;
  // kRedirect through the DEVMAP: the egress ifindex, resolved in the netns attach() runs
  // in; 0 sends frames back out of the interface the program is attached to.
  int redirect_ifindex = 0;
  // kRedirect through a CPUMAP instead: frames go to cpumap_cpu's kthread (queue of
  // cpumap_qsize frames) and on into the normal stack there.
  bool use_cpumap = false;
  unsigned cpumap_cpu = 0;
  unsigned cpumap_qsize = 2048;
};

// What the program returned and saw, summed over whatever a reading covers.
struct XdpVerdictCounts {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t aborted = 0;
  uint64_t drop = 0;
  uint64_t pass = 0;
  uint64_t tx = 0;
  uint64_t redirect = 0;
  uint64_t tagged = 0;     // frames with a pathbench payload tag (latency recorded)
  uint64_t malformed = 0;  // not Ethernet/IPv4/UDP, or cut short (see xdp_verdict.h)

  XdpVerdictCounts& operator+=(const XdpVerdictCounts& o);
  XdpVerdictCounts& operator-=(const XdpVerdictCounts& o);
  bool operator==(const XdpVerdictCounts&) const = default;
};

// One (CPU, RX queue) cell; rx_queue 63 also holds every queue above it.
struct XdpQueueCounts {
  uint32_t cpu = 0;
  uint32_t rx_queue = 0;
  XdpVerdictCounts counts;
};

// Cumulative counts since load; take delta(before, after) for one trial.
struct XdpVerdictReading {
  std::vector<XdpQueueCounts> per_cpu_queue;  // cells with packets != 0, by (cpu, rx_queue)
  XdpVerdictCounts total;
  std::vector<uint64_t> latency_buckets;      // PB_HIST_NBUCKETS, summed over CPUs
  core::Histogram latency;                    // in-program latency (ns) of tagged frames

  // The counts of one RX queue over all CPUs.
  XdpVerdictCounts rx_queue(uint32_t q) const;
};

// after - before, cell by cell (cells missing in `before` count from zero).
XdpVerdictReading delta(const XdpVerdictReading& before, const XdpVerdictReading& after);

class XdpVerdictProgram {
 public:
  // Opens the skeleton, sets the knobs, loads only the chosen program and fills the
  // CPUMAP slot when use_cpumap is set. Throws core::UsageError for a bad cpumap_cpu,
  // std::system_error when the object cannot be opened or loaded.
  explicit XdpVerdictProgram(const XdpVerdictConfig& cfg);
  XdpVerdictProgram(const XdpVerdictProgram&) = delete;
  XdpVerdictProgram& operator=(const XdpVerdictProgram&) = delete;
  ~XdpVerdictProgram();  // detaches first

  // Fills the DEVMAP slot (kRedirect without cpumap) and attaches to ifindex in `mode`.
  // Both resolve ifindexes in netns_fd (-1: the calling thread's netns). Throws
  // std::system_error naming the interface and mode. A second attach() replaces the first.
  void attach(int ifindex, XdpMode mode, int netns_fd = -1);
  void detach();
  const std::optional<XdpAttachment>& attachment() const { return attachment_; }

  // Points the DEVMAP slot at ifindex (calling thread's netns); attach() does this itself.
  void set_redirect_ifindex(int ifindex);

  // Cumulative counters since load. Throws std::system_error when a map cannot be read.
  XdpVerdictReading read() const;

  const XdpVerdictConfig& config() const { return cfg_; }
  int prog_fd() const;
  uint32_t prog_id() const;
  uint32_t cpumap_id() const;  // for XdpEventsProbe's cpumap filter
  uint32_t devmap_id() const;

 private:
  XdpVerdictConfig cfg_;
  probes::SkelPtr<xdp_verdict_bpf> skel_;
  std::optional<XdpAttachment> attachment_;  // declared after skel_: detached before the object goes
  int ncpus_ = 1;
};

}  // namespace pb::xdp
