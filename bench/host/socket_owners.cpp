#include "bench/host/socket_owners.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <memory>

namespace pb::host {

namespace {

struct DirCloser {
  void operator()(DIR* d) const { closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

bool parse_int(const char* s, int& out) {
  const char* end = s + std::strlen(s);
  auto [p, ec] = std::from_chars(s, end, out);
  return ec == std::errc() && p == end && s != end;
}

std::string comm_of(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/comm", pid);
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[64] = {};
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  std::string s(buf, n > 0 ? size_t(n) : 0);
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace

uint64_t socket_inode_of(const std::string& target) {
  static constexpr std::string_view kPrefix = "socket:[";
  if (!target.starts_with(kPrefix) || !target.ends_with(']')) return 0;
  uint64_t inode = 0;
  const char* b = target.data() + kPrefix.size();
  const char* e = target.data() + target.size() - 1;
  auto [p, ec] = std::from_chars(b, e, inode);
  return ec == std::errc() && p == e ? inode : 0;
}

std::map<uint64_t, std::vector<SocketOwner>> socket_owners() {
  std::map<uint64_t, std::vector<SocketOwner>> out;
  DirPtr proc(opendir("/proc"));
  if (!proc) return out;
  while (dirent* pe = readdir(proc.get())) {
    int pid = 0;
    if (!parse_int(pe->d_name, pid)) continue;
    char fd_dir[64];
    std::snprintf(fd_dir, sizeof fd_dir, "/proc/%d/fd", pid);
    DirPtr fds(opendir(fd_dir));
    if (!fds) continue;  // gone, or not ours to read
    std::string comm;
    while (dirent* fe = readdir(fds.get())) {
      int fd = 0;
      if (!parse_int(fe->d_name, fd)) continue;
      char target[64];
      ssize_t n = readlinkat(dirfd(fds.get()), fe->d_name, target, sizeof target - 1);
      if (n <= 0) continue;
      uint64_t inode = socket_inode_of(std::string(target, size_t(n)));
      if (!inode) continue;
      if (comm.empty()) comm = comm_of(pid);
      out[inode].push_back({comm, pid, fd});
    }
  }
  return out;
}

}  // namespace pb::host
