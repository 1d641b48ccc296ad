// Error types and the exit codes main() maps them to.
#pragma once

#include <unistd.h>

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

// A second SIGINT/SIGTERM while a command finishes: say so and exit kExitInterrupted at once,
// leaving what is left to `pathbench cleanup`. Async-signal-safe (write and _exit only).
[[noreturn]] inline void exit_on_second_signal() {
  static constexpr char kMsg[] =
      "pathbench: interrupted again: second signal, exiting now; `pathbench cleanup` removes what is left\n";
  ssize_t ignored = ::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  (void)ignored;
  ::_exit(kExitInterrupted);
}

}  // namespace pb::core
