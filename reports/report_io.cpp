#include "reports/report_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

#include "bench/core/errors.h"
#include "bench/core/files.h"
#include "bench/core/unique_fd.h"
#include "reports/json.h"

namespace pb::reports {
namespace {

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

[[noreturn]] void fail(int err, const std::string& path, std::string_view step) {
  throw std::system_error(err, std::generic_category(),
                          fmt::format("write report {}: {}", path, step));
}

// Removes the temporary file unless the rename went through.
class TempFile {
 public:
  explicit TempFile(std::string name) : name_(std::move(name)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!committed_) ::unlink(name_.c_str());
  }
  const std::string& name() const { return name_; }
  void commit() { committed_ = true; }

 private:
  std::string name_;
  bool committed_ = false;
};

void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(errno, path, "write temporary file");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

void write_report_atomic(const std::string& path, const Report& report) {
  // Serialised first: a failure there must not leave anything on disk.
  write_file_atomic(path, to_json_text(report) + "\n");
}

void write_file_atomic(const std::string& path, const std::string& text) {
  if (path.empty() || path.back() == '/') fail(EINVAL, path, "not a file name");

  const std::string dir = parent_dir(path);
  std::string tmpl = fmt::format("{}/.{}.tmpXXXXXX", dir, base_name(path));
  core::UniqueFd fd(::mkostemp(tmpl.data(), O_CLOEXEC));
  if (!fd) fail(errno, path, fmt::format("create temporary file in {}", dir));
  TempFile tmp(tmpl);

  // mkstemp creates 0600; a report is meant to be read by others (CI artifacts).
  if (::fchmod(fd.get(), 0644) != 0) fail(errno, path, "chmod temporary file");
  write_all(fd.get(), text, path);
  if (::fsync(fd.get()) != 0) fail(errno, path, "fsync temporary file");
  // close() can report a deferred write error (NFS); check it rather than let ~UniqueFd eat it.
  if (::close(fd.release()) != 0) fail(errno, path, "close temporary file");
  if (::rename(tmp.name().c_str(), path.c_str()) != 0) {
    fail(errno, path, fmt::format("rename {} over it", tmp.name()));
  }
  tmp.commit();

  // Without this the rename itself may not survive a crash.
  core::UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dfd) fail(errno, path, fmt::format("open directory {}", dir));
  // EINVAL: the filesystem cannot sync directories; there is nothing more to do.
  if (::fsync(dfd.get()) != 0 && errno != EINVAL) {
    fail(errno, path, fmt::format("fsync directory {}", dir));
  }
}

Report load_report(const std::string& path) {
  std::string text;
  try {
    text = core::read_file(path);
  } catch (const std::system_error& e) {
    throw core::UsageError(fmt::format("report {}: cannot read: {}", path, e.code().message()));
  }
  return report_from_json(text, "report " + path);
}

}  // namespace pb::reports
