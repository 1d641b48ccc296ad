#include "bench/core/files.h"

#include <fcntl.h>
#include <unistd.h>

#include "bench/core/errors.h"
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

}  // namespace pb::core
