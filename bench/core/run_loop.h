// RunLoop: the one poll() loop of a long-running command (a diagnostic tool): SIGINT and
// SIGTERM read from a signalfd, a timerfd for the --interval tick, one for --duration, and
// extra fds (a ring buffer's epoll fd) each with a callback. The first signal stops the
// loop so the caller can print its final summary; a second one while it finishes exits the
// process at once with status 130. A loop run in the background of another command (a tool
// during `pathbench run`) leaves signals alone and is stopped by request_stop() from
// another thread.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

#include "bench/core/unique_fd.h"

namespace pb::core {

// What ends the loop besides a signal, and how often it ticks.
struct RunLoopOptions {
  double interval_s = 0;              // tick period; 0: no tick
  double duration_s = 0;              // stop after this long; 0: until a signal or stop()
  std::atomic<bool>* stop = nullptr;  // also stop when this is true (main's flag); set on a signal
  // false: no signalfd, the signal mask and handlers stay as they are (the process's own
  // handling applies: `pathbench run` keeps its partial report on Ctrl-C); the loop ends
  // on the duration, stop() or request_stop().
  bool handle_signals = true;
};

// Why run() returned.
enum class StopReason { kSignal, kDuration, kRequested };

class RunLoop {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread (threads started later inherit the
  // mask, so construct it before any) and opens the signalfd and the timers. Throws
  // std::system_error. Signals that arrive from now on wait in the signalfd, so one sent
  // while the caller is still setting up stops the loop as soon as it runs. With
  // handle_signals false it touches no signal state.
  explicit RunLoop(RunLoopOptions opts = {});
  RunLoop(const RunLoop&) = delete;
  RunLoop& operator=(const RunLoop&) = delete;
  // Restores the signal mask and the SIGINT/SIGTERM handlers it found (if it changed them).
  ~RunLoop();

  // Calls `fn` whenever `fd` is readable (POLLIN). The fd stays the caller's.
  void add_fd(int fd, std::function<void()> fn);
  // Calls `fn` on every interval tick (once per wakeup even if ticks were missed).
  void on_tick(std::function<void()> fn);

  // Polls until a signal, the duration, stop() or the stop flag; the clock for the
  // duration starts here. An exception from a callback ends the loop and propagates.
  // After it returns the loop is finishing: SIGINT/SIGTERM then call _exit(130).
  StopReason run();
  // Ends run() after the current callback (callable from a callback).
  void stop() { stop_requested_ = true; }
  // Ends run() from any thread (an eventfd wakes the poll); before run() it makes run()
  // return at once. Async-signal-safe.
  void request_stop() noexcept;

  // The signal that stopped the loop (SIGINT, SIGTERM), 0 when none did.
  int stop_signal() const { return stop_signal_; }
  // Seconds since run() started (0 before).
  double elapsed_s() const;
  const RunLoopOptions& options() const { return opts_; }

 private:
  void enter_finishing();

  RunLoopOptions opts_;
  sigset_t old_mask_{};
  struct sigaction old_int_ {}, old_term_ {};
  UniqueFd signal_fd_, tick_fd_, duration_fd_, wake_fd_;
  std::vector<std::pair<int, std::function<void()>>> fds_;
  std::function<void()> on_tick_;
  bool stop_requested_ = false;
  std::atomic<bool> stop_from_other_thread_{false};
  bool finishing_ = false;
  int stop_signal_ = 0;
  std::chrono::steady_clock::time_point started_{};
};

}  // namespace pb::core
