// QueuesProbe: the `queues` probe family. Queue depths on the benchmark's path: qdisc
// length at enqueue on the TG device, UDP socket receive memory (bytes and per mille of
// sk_rcvbuf) at sk_data_ready in the DUT netns, and the softnet backlog from
// /proc/net/softnet_stat; each as a histogram plus a per-100 ms series per trial.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/core/histogram.h"
#include "kernel_probes/probe_family.h"
#include "kernel_probes/skel_ptr.h"

struct queues_bpf;

namespace pb::probes {

// Backlog length (column 12: input_qlen + process_qlen) of every CPU line of
// /proc/net/softnet_stat; std::nullopt when the lines have fewer than 13 columns (kernels
// before 5.10 have no backlog column). Throws std::runtime_error on a bad number.
std::optional<std::vector<uint64_t>> parse_softnet_backlog(std::string_view text);

class QueuesProbe final : public ProbeFamily {
 public:
  static constexpr unsigned kSampleMs = 100;

  // Opens and loads the programs the kernel offers (HookSet), filtered to scope's TG
  // device (qdisc) and DUT netns (sockets); a hook the kernel lacks goes to
  // programs().unavailable. Attached in sampling windows (open_window); the 100 ms
  // series then holds null for intervals without an event, closed windows included.
  // Throws std::system_error when the object cannot load at all.
  explicit QueuesProbe(const ProbeScope& scope);
  QueuesProbe(const QueuesProbe&) = delete;
  QueuesProbe& operator=(const QueuesProbe&) = delete;
  ~QueuesProbe() override;  // stops a running sampler

  std::string name() const override { return "queues"; }
  // Zeroes the histograms and starts the 100 ms sampling thread.
  void begin_trial() override;
  // Stops the sampler (one last sample) and puts "qdisc_qlen", "socket_rmem",
  // "socket_rmem_permille" and "softnet_backlog" into the trial's queues, each a depth
  // histogram with a series (max per interval, null when no event) or absent with the reason.
  void end_trial(reports::Trial& into) override;

 private:
  struct Series {
    std::vector<std::optional<uint64_t>> points;
    uint64_t events = 0;
    uint64_t max = 0;
  };
  void sample();
  void stop_sampler();
  reports::QueueResult bpf_metric(uint32_t metric, const char* unit, const std::string& hook, const char* why_none) const;

  ProbeScope scope_;
  SkelPtr<queues_bpf> skel_;
  bool softnet_has_backlog_ = false;
  std::string softnet_why_;

  std::vector<Series> series_;  // per pb_q_metric, then softnet last
  core::Histogram softnet_hist_;
  std::thread sampler_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace pb::probes
