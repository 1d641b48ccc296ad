// Network namespaces: ScopedNetns owns a named netns (/run/netns/NAME, the place
// iproute2 uses, so `ip netns exec` works on it); NetnsGuard enters one on the calling
// thread and returns to the previous one in its destructor.
#pragma once

#include <cstdint>
#include <string>

#include "bench/core/unique_fd.h"

namespace pb::core {

inline constexpr const char* kNetnsDir = "/run/netns";

// Opens /run/netns/NAME (or an absolute path) as a netns fd; throws if missing.
UniqueFd open_netns(const std::string& name_or_path);

// The inode number of a netns fd: what BPF sees as sk->__sk_common.skc_net->ns.inum.
uint64_t netns_inode(int netns_fd);

class ScopedNetns {
 public:
  // Creates the named netns with loopback up; throws std::system_error on failure
  // (EEXIST when the name is taken).
  explicit ScopedNetns(std::string name);
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;
  ScopedNetns(ScopedNetns&& o) noexcept;
  ScopedNetns& operator=(ScopedNetns&&) = delete;
  ~ScopedNetns();  // deletes the netns (its links go with it)

  const std::string& name() const { return name_; }
  int fd() const { return fd_.get(); }
  uint64_t inode() const { return inode_; }

 private:
  std::string name_;
  UniqueFd fd_;
  uint64_t inode_ = 0;
};

// Removes /run/netns/NAME as `ip netns del` does; returns false if it did not exist.
bool delete_named_netns(const std::string& name);

class NetnsGuard {
 public:
  // Switches the calling thread into `netns_fd`; throws on failure.
  explicit NetnsGuard(int netns_fd);
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;
  ~NetnsGuard();  // back to the netns the thread was in

 private:
  UniqueFd saved_;
};

}  // namespace pb::core
