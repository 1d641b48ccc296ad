// SysfsGuard: writes a value to a sysfs/procfs knob (rps_cpus, a sysctl, ...) and
// restores the old value on destruction. SysctlGuard names the knob as a sysctl key.
#pragma once

#include <string>

#include "bench/core/files.h"

namespace pb::core {

class SysfsGuard {
 public:
  SysfsGuard(std::string path, const std::string& value);
  SysfsGuard(const SysfsGuard&) = delete;
  SysfsGuard& operator=(const SysfsGuard&) = delete;
  ~SysfsGuard();  // restores; logs, never throws

  const std::string& path() const { return path_; }
  const std::string& old_value() const { return old_; }

 private:
  std::string path_;
  std::string old_;
};

// "net.core.rmem_max" -> /proc/sys/net/core/rmem_max (in the calling thread's netns
// for per-netns keys).
class SysctlGuard : public SysfsGuard {
 public:
  SysctlGuard(const std::string& key, const std::string& value);
  static std::string path_of(const std::string& key);
};

}  // namespace pb::core
