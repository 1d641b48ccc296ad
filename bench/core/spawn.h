// Starting a program inside a network namespace: fork, setns in the child, exec. The one
// way pathbench runs another binary (tc, pathbench-dpdk) where its packets are.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace pb::core {

// Starts argv[0] (a path) with `argv` in netns `netns_fd` (-1: this one), its stdout and
// stderr on the given fds (-1: inherited). Everything is prepared before fork, so the
// child only makes async-signal-safe calls (this process has threads); a child that cannot
// enter the netns exits 126, one that cannot exec 127. Returns the pid; throws
// std::system_error when fork fails.
pid_t spawn_in_netns(int netns_fd, const std::vector<std::string>& argv, int stdout_fd = -1, int stderr_fd = -1);

}  // namespace pb::core
