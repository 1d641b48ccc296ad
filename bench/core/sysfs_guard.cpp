#include "bench/core/sysfs_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "bench/core/errors.h"
#include "bench/core/files.h"
#include "bench/core/log.h"
#include "bench/core/unique_fd.h"

namespace pb::core {

namespace {
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

SysfsGuard::SysfsGuard(std::string path, const std::string& value)
    : path_(std::move(path)), old_(trim(read_file(path_))) {
  write_file(path_, value);
}

SysfsGuard::~SysfsGuard() {
  try {
    write_file(path_, old_);
  } catch (const std::exception& e) {
    PB_WARN("restore {}: {}", path_, e.what());
  }
}

std::string SysctlGuard::path_of(const std::string& key) {
  std::string p = "/proc/sys/" + key;
  for (size_t i = 10; i < p.size(); ++i)
    if (p[i] == '.') p[i] = '/';
  return p;
}

SysctlGuard::SysctlGuard(const std::string& key, const std::string& value) : SysfsGuard(path_of(key), value) {}

}  // namespace pb::core
