// Error types and the exit codes main() maps them to.
#pragma once

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace pb::core {

// Documented exit codes of every pathbench command.
enum ExitCode : int {
  kExitOk = 0,
  kExitRegression = 1,  // compare: NEW is worse than BASE
  kExitUsage = 2,       // bad flag, bad value, malformed suite or report
  kExitRuntime = 3,     // a syscall or kernel operation failed during the run
  kExitPrivilege = 4,   // a required capability is missing
  kExitUnsupported = 5, // probe: the tool cannot work on this kernel (the message says why)
  kExitInterrupted = 130,
};

// Bad input from the user: names the flag or field; maps to kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A kernel feature the command needs is missing (a tracepoint, uprobes, the wifi stack):
// names it; maps to kExitUnsupported.
class UnsupportedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws std::system_error for errno `err` with a context message
// ("attach xdp to dut0 (ifindex 7): operation not supported").
[[noreturn]] inline void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}
[[noreturn]] inline void throw_errno(const std::string& what) { throw_errno(errno, what); }

// When the first stop signal (SIGINT, SIGTERM, SIGHUP) arrived: CLOCK_MONOTONIC ns, 0 before.
inline std::atomic<int64_t> g_first_signal_ns{0};

inline int64_t signal_clock_ns() {  // async-signal-safe
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Records the first stop signal's time (later calls keep it). Async-signal-safe.
inline void note_stop_signal() {
  int64_t none = 0;
  g_first_signal_ns.compare_exchange_strong(none, signal_clock_ns());
}

// A repeat of the stop signal while a command finishes. Within 100 ms of the first it is the
// same request, ignored: timeout(1) and `kill -- -PGID` deliver SIGTERM to the process and
// again to its process group, and a run must still finish its report and undo its changes.
// Later, it says so and exits kExitInterrupted at once, leaving what is left to
// `pathbench cleanup`. Async-signal-safe (clock_gettime, write and _exit only).
inline void on_repeat_signal() {
  constexpr int64_t kSameRequestNs = 100'000'000;
  int64_t first = g_first_signal_ns.load();
  if (first != 0 && signal_clock_ns() - first < kSameRequestNs) return;
  static constexpr char kMsg[] =
      "pathbench: interrupted again: second signal, exiting now; `pathbench cleanup` removes what is left\n";
  ssize_t ignored = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  (void)ignored;
  ::_exit(kExitInterrupted);
}

}  // namespace pb::core
