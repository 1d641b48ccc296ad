#include "bench/core/spawn.h"

#include <sched.h>
#include <unistd.h>

#include "bench/core/errors.h"

namespace pb::core {

pid_t spawn_in_netns(int netns_fd, const std::vector<std::string>& argv, int stdout_fd, int stderr_fd) {
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (std::string& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork " + argv.at(0));
  if (pid == 0) {
    if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) _exit(126);
    if (stdout_fd >= 0) ::dup2(stdout_fd, 1);
    if (stderr_fd >= 0) ::dup2(stderr_fd, 2);
    ::execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

}  // namespace pb::core
