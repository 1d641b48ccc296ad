// Eal: the DPDK environment of this process (rte_eal_init .. rte_eal_cleanup), RAII.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace pb::dpdk {

// An EAL that cannot start here (no memory, no device, bad EAL argument): the message is
// EAL's own reason, which the harness reports as a skipped scenario.
class EalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Owns DPDK's EAL: the constructor sends DPDK's log stream to stderr and runs
// rte_eal_init with `args` (args[0] is the program name, EAL options only, no "--");
// the destructor runs rte_eal_cleanup and, in a primary process, removes the runtime
// directory (/var/run/dpdk/<file-prefix>), which 22.11 leaves behind (config, fbarray_*):
// the file prefix is the run's own. At most one per process, for the process' life.
class Eal {
 public:
  // Throws EalError with rte_strerror(rte_errno) when rte_eal_init fails.
  explicit Eal(std::vector<std::string> args);
  ~Eal();
  Eal(const Eal&) = delete;
  Eal& operator=(const Eal&) = delete;

  // The argv EAL was given (args[0] first).
  const std::vector<std::string>& args() const { return args_; }
  // EAL's runtime directory (/var/run/dpdk/<file-prefix> as root), where the telemetry
  // socket lives.
  const std::string& runtime_dir() const { return runtime_dir_; }

 private:
  std::vector<std::string> args_;
  // rte_eal_init may permute argv and keep pointers into it: both live as long as EAL.
  std::vector<std::string> storage_;
  std::vector<char*> argv_;
  std::string runtime_dir_;
  bool primary_ = false;
};

}  // namespace pb::dpdk
