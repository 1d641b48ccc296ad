// LiveGenerator: the `xdp-live` traffic generator. Threads pinned one per CPU run the
// xdp_live_gen program through BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES on a frame
// template; the program stamps each frame and returns XDP_TX, so the kernel sends it out of
// the TG veth into its peer. The peer (DUT end) must take XDP frames: GRO on (core::set_gro; the veth topology does it) or
// an XDP program attached; otherwise veth refuses every frame.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/core/frame.h"
#include "bench/core/traffic.h"
#include "bench/traffic/generators.h"
#include "kernel_probes/skel_ptr.h"

struct xdp_live_gen_bpf;

namespace pb::xdp {



struct LiveGeneratorConfig {
  int netns_fd = -1;        // TG netns: the ifindex is resolved there; -1: the caller's
  std::string ifname;       // TG device the frames leave by (pb-tg0)
  core::FrameSpec frame;   // MACs (src = TG end, dst = DUT end), IPs, ports, frame_size
  unsigned flows = 1;       // flow f sends from frame.src_port_base + f
  uint64_t rate_pps = 0;    // 0: as fast as possible
  double duration_s = 1.0;
  unsigned batch_size = 64; // BPF_PROG_RUN batch_size: frames per redirect flush, [1, 256]
  std::vector<int> cpus;    // CPUs to stamp on; empty: every CPU this process may run on.
                            // Capped at `flows` CPUs (the first ones win).
  unsigned threads_per_cpu = 2;  // pinned threads per CPU, [1, 8]: while one sleeps in the
                                 // kernel's per-call teardown, another stamps frames
};

// What a run sent. `tx` is the shape every generator returns:
//   tx.sent        = TG tx_packets delta when the link counters are readable (sent_source
//                    "link:tx_packets"): frames the DUT end took from the TG end; else the
//                    frames the program stamped ("bpf:stamped");
//   tx.send_errors = TG tx_dropped delta: frames the peer refused (its XDP ring was full or
//                    it takes no XDP frames). BPF_PROG_RUN's live mode does not report them.
//   tx.flows[f]    = frames stamped for flow f (seq 0 .. sent-1), refused ones included:
//                    which flow a refused frame belonged to is not known.
//   tx.forfeited   = paced: frames the schedule owed but gave up after a stall.
struct LiveGeneratorResult {
  core::TxResult tx;
  uint64_t stamped = 0;          // frames the program stamped and returned XDP_TX for
  uint64_t rejected = 0;         // frames the program dropped (CPU without a thread; short frame)
  bool link_counters = false;    // the TG link counters below were read
  uint64_t link_tx_packets = 0;  // TG tx_packets delta
  uint64_t link_tx_dropped = 0;  // TG tx_dropped delta
  std::string sent_source;       // "link:tx_packets" | "bpf:stamped"
  std::vector<int> cpus;         // CPUs that stamped (flow owners, see xdp_live_gen.h)
  unsigned threads = 0;          // generator threads (cpus.size() * threads_per_cpu)
  uint64_t prog_runs = 0;        // BPF_PROG_RUN calls
};

// The loaded stamper program and its maps; never attached to a device.
// "xdp-live" for the generator table: on every CPU but the request's avoid_cpus.
extern const traffic::GeneratorKind kLiveGenerator;

class LiveGenProgram {
 public:
  // Opens and loads xdp_live_gen for `flows` flows; throws std::system_error.
  LiveGenProgram(unsigned flows, uint16_t src_port_base);
  LiveGenProgram(const LiveGenProgram&) = delete;
  LiveGenProgram& operator=(const LiveGenProgram&) = delete;
  ~LiveGenProgram();

  int prog_fd() const;
  unsigned flows() const { return flows_; }

  // Zeroes every counter and sequence; CPU cpus[i] owns flows {f : f % cpus.size() == i}.
  // Throws UsageError on a CPU out of range or repeated.
  void reset(const std::vector<int>& cpus);

  struct Counts {
    uint64_t stamped = 0;
    uint64_t rejected = 0;
    std::vector<uint64_t> next_seq;  // per flow: frames stamped
  };
  Counts read() const;

 private:
  probes::SkelPtr<xdp_live_gen_bpf> skel_;
  unsigned flows_;
  unsigned ncpus_;  // possible CPUs: per-CPU map values
};

class LiveGenerator final : public core::Generator {
 public:
  // Validates the config, builds the template, loads the program and resolves the TG
  // ifindex in cfg.netns_fd; throws pb::core::UsageError for bad values, std::system_error
  // otherwise.
  explicit LiveGenerator(LiveGeneratorConfig cfg);
  LiveGenerator(const LiveGenerator&) = delete;
  LiveGenerator& operator=(const LiveGenerator&) = delete;
  ~LiveGenerator() override;

  // Sends for duration_s or until `stop`; blocks. max: repeated BPF_PROG_RUN calls of
  // ~25 ms of stamping each (sized from the kernel's reported time per frame), the last
  // one cut to the time left; paced: a token bucket per thread (its share of rate_pps by
  // flows owned), one call per grant, so frames leave in bursts of up to ~25 ms worth. Each run restarts sequences at 0. Throws std::system_error when BPF_PROG_RUN
  // fails (EOPNOTSUPP/EINVAL: no live-frames support on this kernel).
  LiveGeneratorResult run_detailed(std::atomic<bool>& stop);
  // run_detailed(), as every generator reports it.
  core::TxResult run(std::atomic<bool>& stop) override;

  const LiveGeneratorConfig& config() const { return cfg_; }
  int ifindex() const { return ifindex_; }

 private:
  struct ThreadResult;
  void send_loop(unsigned cpu_index, uint64_t start_ns, const std::atomic<bool>& stop, const std::atomic<bool>& halt,
                 ThreadResult& out);

  LiveGeneratorConfig cfg_;
  std::vector<uint8_t> frame_;
  int ifindex_ = 0;
  LiveGenProgram prog_;
};

}  // namespace pb::xdp
