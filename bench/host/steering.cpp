#include "bench/host/steering.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "bench/core/errors.h"
#include "bench/core/files.h"
#include "bench/core/netns_sysfs.h"
#include "bench/core/spawn.h"

namespace pb::host {

namespace {

constexpr const char* kRpsSockFlowEntries = "/proc/sys/net/core/rps_sock_flow_entries";

void write_queues(const core::NetnsSysfs& sysfs, const std::string& ifname, const char* dir, unsigned queues,
                  const char* knob, const std::string& value) {
  for (unsigned q = 0; q < queues; ++q)
    core::write_file(sysfs.path(fmt::format("class/net/{}/queues/{}-{}/{}", ifname, dir, q, knob)), value);
}

std::string tc_path() {
  for (const char* p : {"/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc"})
    if (access(p, X_OK) == 0) return p;
  return "tc";
}

}  // namespace

void run_tc(int netns_fd, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {tc_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) core::throw_errno("pipe");
  pid_t pid;
  try {
    pid = core::spawn_in_netns(netns_fd, argv, -1, err[1]);
  } catch (...) {
    close(err[0]);
    close(err[1]);
    throw;
  }
  close(err[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) msg.append(buf, size_t(n));
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw std::system_error(EINVAL, std::generic_category(),
                            fmt::format("tc {}: {}", fmt::join(args, " "), msg.empty() ? "failed" : msg));
  }
}

Steering::Steering(RunState& state, const core::Topology& topo, const SteeringConfig& spec) : cfg_(spec) {
  unsigned queues = topo.queues();
  if (!spec.rps_cpus.empty() || spec.rfs_entries) {
    core::NetnsSysfs dut(topo.dut_netns());
    if (!spec.rps_cpus.empty()) {
      write_queues(dut, topo.dut_if(), "rx", queues, "rps_cpus", spec.rps_cpus);
    }
    if (spec.rfs_entries) {
      rfs_global_.emplace(state, kRpsSockFlowEntries, std::to_string(spec.rfs_entries));
      write_queues(dut, topo.dut_if(), "rx", queues, "rps_flow_cnt", std::to_string(spec.rfs_entries / queues));
    }
  }
  if (!spec.xps_cpus.empty()) {
    core::NetnsSysfs tg(topo.tg_netns());
    write_queues(tg, topo.tg_if(), "tx", queues, "xps_cpus", spec.xps_cpus);
  }
  const std::string& rate = spec.qdisc.rate;
  const std::string dev = topo.tg_if();
  switch (spec.qdisc.kind) {
    case core::QdiscKind::kPfifoFast:
      run_tc(topo.tg_netns(), {"qdisc", "replace", "dev", dev, "root", "pfifo_fast"});
      break;
    case core::QdiscKind::kTbf:
      // A shallow queue (8 KiB) so a load above the rate shows qdisc drops, not only the
      // senders' socket backpressure.
      run_tc(topo.tg_netns(), {"qdisc", "replace", "dev", dev, "root", "tbf", "rate", rate, "burst", "4k", "limit",
                               "8k"});
      break;
    case core::QdiscKind::kHtb:
      run_tc(topo.tg_netns(), {"qdisc", "replace", "dev", dev, "root", "handle", "1:", "htb", "default", "10"});
      run_tc(topo.tg_netns(), {"class", "add", "dev", dev, "parent", "1:", "classid", "1:10", "htb", "rate", rate});
      break;
    case core::QdiscKind::kDefault:
    case core::QdiscKind::kNoqueue:
      break;  // veth's own default is noqueue: nothing to change
  }
}

void Steering::describe(reports::Topology& into) const {
  if (!cfg_.rps_cpus.empty()) into.rps_cpus = cfg_.rps_cpus;
  if (!cfg_.xps_cpus.empty()) into.xps_cpus = cfg_.xps_cpus;
  if (cfg_.rfs_entries) into.rfs_entries = cfg_.rfs_entries;
  into.qdisc = cfg_.qdisc.kind == core::QdiscKind::kDefault ? "noqueue" : core::name(cfg_.qdisc);
}

Steering::~Steering() = default;

}  // namespace pb::host
