// WindowSampler: attaches a set of probe families for active_ms out of every period_ms of
// a trial, all at the same moments, and keeps them detached otherwise. An attached
// tracepoint costs on every packet even when its program returns at once (6.18, 2 CPUs,
// kernel-udp over veth at max rate: ~9 % throughput for empty programs on the stage
// hooks), so the per-packet families are sampled by default.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "kernel_probes/probe_family.h"

namespace pb::probes {

class WindowSampler {
 public:
  // active_ms >= period_ms: always on, the families attach now and stay attached until
  // destruction.
  WindowSampler(unsigned active_ms, unsigned period_ms, std::vector<ProbeFamily*> families);
  WindowSampler(const WindowSampler&) = delete;
  WindowSampler& operator=(const WindowSampler&) = delete;
  ~WindowSampler();

  // The trial starts: windows of active_ms centred in each period_ms, from now on.
  void start();
  // The trial ends: the open window closes, no more open.
  void stop();

 private:
  void run();
  void set_open(bool open);

  bool always_on() const { return active_ms_ >= period_ms_; }

  unsigned active_ms_, period_ms_;
  std::vector<ProbeFamily*> families_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace pb::probes
