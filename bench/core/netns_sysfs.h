// NetnsSysfs: a private sysfs mount of one network namespace, held by an fd. A sysfs
// mount shows the network devices of the netns that mounted it, so the host's /sys never
// shows a device inside pathbench's namespaces; this one does (rps_cpus, xps_cpus, ...).
// The mount is detached (fsopen/fsmount): no mount namespace, gone when the fd closes.
#pragma once

#include <string>

#include "bench/core/unique_fd.h"

namespace pb::core {

class NetnsSysfs {
 public:
  // Mounts sysfs as seen from `netns_fd`; throws std::system_error on failure.
  explicit NetnsSysfs(int netns_fd);
  // "class/net/pb-dut0/queues/rx-0/rps_cpus" -> a path that reaches it in this sysfs.
  std::string path(const std::string& rel) const;

 private:
  UniqueFd mnt_;
};

}  // namespace pb::core
