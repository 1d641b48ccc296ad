#include "bench/core/sysfs_guard.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/unique_fd.h"

namespace pb::core {

std::string read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("read " + path);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + path);
    }
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

void write_file(const std::string& path, const std::string& value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) throw_errno("write " + path);
  ssize_t n = ::write(fd.get(), value.data(), value.size());
  if (n < 0) throw_errno("write '" + value + "' to " + path);
}

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
