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

void write_report_atomic(const std::string& path, const nlohmann::json& report) {
  if (path.empty() || path.back() == '/') fail(EINVAL, path, "not a file name");
  // Serialise first: a failure here must not leave anything on disk. Invalid UTF-8 in a
  // string the kernel handed us (an interface alias, a CPU model) is replaced, not fatal,
  // so an odd byte cannot cost the run its report.
  std::string text = report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';

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

nlohmann::json load_report(const std::string& path) {
  std::string text;
  try {
    text = core::read_file(path);
  } catch (const std::system_error& e) {
    throw core::UsageError(fmt::format("report {}: cannot read: {}", path, e.code().message()));
  }

  nlohmann::json report;
  try {
    report = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw core::UsageError(fmt::format("report {}: not valid JSON: {}", path, e.what()));
  }
  if (!report.is_object()) {
    throw core::UsageError(fmt::format("report {}: not a pathbench report (top level is {}, not an object)",
                                       path, report.type_name()));
  }
  auto it = report.find("schema_version");
  if (it == report.end()) {
    throw core::UsageError(fmt::format("report {}: no schema_version (not a pathbench report?)", path));
  }
  if (!it->is_number_integer() || it->get<int64_t>() != kReportSchemaVersion) {
    throw core::UsageError(fmt::format("report {}: schema_version {} is not supported (this pathbench reads {})",
                                       path, it->dump(), kReportSchemaVersion));
  }
  auto sc = report.find("scenarios");
  if (sc == report.end() || !sc->is_array()) {
    throw core::UsageError(fmt::format("report {}: \"scenarios\" is missing or not an array", path));
  }
  return report;
}

}  // namespace pb::reports
