#include "bench/core/netns_sysfs.h"

#include <sys/mount.h>

#include "bench/core/errors.h"
#include "bench/core/netns.h"

namespace pb::core {

NetnsSysfs::NetnsSysfs(int netns_fd) {
  NetnsGuard in(netns_fd);
  UniqueFd fs(fsopen("sysfs", FSOPEN_CLOEXEC));
  if (!fs) throw_errno("fsopen sysfs");
  if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) throw_errno("fsconfig sysfs");
  mnt_.reset(fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
  if (!mnt_) throw_errno("fsmount sysfs");
}

std::string NetnsSysfs::path(const std::string& rel) const {
  return "/proc/self/fd/" + std::to_string(mnt_.get()) + "/" + rel;
}

}  // namespace pb::core
