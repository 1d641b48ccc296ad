#include "kernel_probes/window_sampler.h"

#include <algorithm>
#include <chrono>

namespace pb::probes {

WindowSampler::WindowSampler(unsigned active_ms, unsigned period_ms, std::vector<ProbeFamily*> families)
    : active_ms_(active_ms), period_ms_(std::max(period_ms, 1u)), families_(std::move(families)) {
  if (always_on()) set_open(true);
}

WindowSampler::~WindowSampler() {
  stop();
  set_open(false);
}

void WindowSampler::set_open(bool open) {
  for (ProbeFamily* f : families_) open ? f->open_window() : f->close_window();
}

void WindowSampler::start() {
  stop();
  if (always_on() || families_.empty()) return;
  stop_ = false;
  thread_ = std::thread([this] { run(); });
}

void WindowSampler::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WindowSampler::run() {
  using std::chrono::milliseconds;
  const unsigned idle = period_ms_ - active_ms_;
  const milliseconds lead(idle / 2), active(active_ms_), trail(idle - idle / 2);
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (cv_.wait_for(lock, lead, [&] { return stop_; })) break;
    set_open(true);
    cv_.wait_for(lock, active, [&] { return stop_; });
    set_open(false);
    if (stop_) break;
    cv_.wait_for(lock, trail, [&] { return stop_; });
  }
}

}  // namespace pb::probes
