#include "bench/core/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstring>
#include <thread>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/rtnl.h"

namespace pb::core {

namespace {

std::string netns_path(const std::string& name_or_path) {
  if (!name_or_path.empty() && name_or_path[0] == '/') return name_or_path;
  return std::string(kNetnsDir) + "/" + name_or_path;
}

}  // namespace

UniqueFd open_netns(const std::string& name_or_path) {
  std::string path = netns_path(name_or_path);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open netns " + path);
  return fd;
}

uint64_t netns_inode(int netns_fd) {
  struct stat st;
  if (fstat(netns_fd, &st) != 0) throw_errno("fstat netns fd");
  return uint64_t(st.st_ino);
}

ScopedNetns::ScopedNetns(std::string name) : name_(std::move(name)) {
  if (name_.empty() || name_.find('/') != std::string::npos)
    throw UsageError("bad netns name '" + name_ + "'");
  if (mkdir(kNetnsDir, 0755) != 0 && errno != EEXIST) throw_errno(std::string("mkdir ") + kNetnsDir);
  std::string path = netns_path(name_);
  {
    UniqueFd mnt(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!mnt) throw_errno("create netns " + name_);
  }
  // A netns lives as long as a task or a mount holds it: a short-lived thread unshares a
  // fresh one and bind-mounts it over /run/netns/NAME, the way iproute2 does.
  int err = 0;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      err = errno;
      return;
    }
    if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) err = errno;
  }).join();
  if (err != 0) {
    ::unlink(path.c_str());
    throw_errno(err, "create netns " + name_);
  }
  try {
    fd_ = open_netns(path);
    inode_ = netns_inode(fd_.get());
    NetnsGuard in(fd_.get());
    Rtnl nl;
    link_set_up(nl, ifindex_of("lo"), "lo");
  } catch (...) {
    delete_named_netns(name_);
    throw;
  }
}

ScopedNetns::ScopedNetns(ScopedNetns&& o) noexcept
    : name_(std::move(o.name_)), fd_(std::move(o.fd_)), inode_(o.inode_) {
  o.name_.clear();
}

ScopedNetns::~ScopedNetns() {
  if (name_.empty()) return;
  fd_.reset();
  try {
    delete_named_netns(name_);
  } catch (const std::exception& e) {
    PB_WARN("delete netns {}: {}", name_, e.what());
  }
}

bool delete_named_netns(const std::string& name) {
  std::string path = netns_path(name);
  if (umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    throw_errno("umount netns " + path);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return false;
    throw_errno("remove " + path);
  }
  return true;
}

NetnsGuard::NetnsGuard(int netns_fd) {
  if (netns_fd < 0) return;
  saved_.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!saved_) throw_errno("open current netns");
  if (setns(netns_fd, CLONE_NEWNET) != 0) throw_errno("enter netns");
}

NetnsGuard::~NetnsGuard() {
  if (saved_ && setns(saved_.get(), CLONE_NEWNET) != 0) PB_ERROR("return to previous netns: {}", std::strerror(errno));
}

}  // namespace pb::core
