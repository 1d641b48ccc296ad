// Network namespaces: ScopedNetns owns a named netns (/run/netns/NAME, the place
// iproute2 uses, so `ip netns exec` works on it); NetnsGuard enters one on the calling
// thread and returns to the previous one in its destructor.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <utility>

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
  // Switches the calling thread into `netns_fd`; throws on failure. -1: stays where it is
  // (the guard does nothing).
  explicit NetnsGuard(int netns_fd);
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;
  ~NetnsGuard();  // back to the netns the thread was in

 private:
  UniqueFd saved_;
};

// Runs fn() with the calling thread inside `netns_fd` (-1: where it is) and back.
template <typename Fn>
auto with_netns(int netns_fd, Fn&& fn) {
  NetnsGuard in(netns_fd);
  return fn();
}

// Runs fn() inside `netns_fd` on a throwaway thread, so the caller's netns never changes
// (what a netlink or procfs reader of another netns needs); rethrows what fn threw.
template <typename Fn>
auto in_netns_thread(int netns_fd, Fn&& fn) {
  using R = decltype(fn());
  std::exception_ptr error;
  if constexpr (std::is_void_v<R>) {
    std::thread([&] {
      try {
        with_netns(netns_fd, fn);
      } catch (...) {
        error = std::current_exception();
      }
    }).join();
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<R> out;
    std::thread([&] {
      try {
        out.emplace(with_netns(netns_fd, fn));
      } catch (...) {
        error = std::current_exception();
      }
    }).join();
    if (error) std::rethrow_exception(error);
    return std::move(*out);
  }
}

}  // namespace pb::core
