#include "bench/host/net_knobs.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "bench/core/feature_check.h"
#include "bench/core/files.h"
#include "bench/core/netns.h"

namespace pb::host {

namespace {

constexpr const char* kRxKnobs[] = {"rps_cpus", "rps_flow_cnt"};
constexpr const char* kTxKnobs[] = {"xps_cpus",
                                    "xps_rxqs",
                                    "tx_maxrate",
                                    "byte_queue_limits/limit",
                                    "byte_queue_limits/limit_max",
                                    "byte_queue_limits/limit_min",
                                    "byte_queue_limits/hold_time",
                                    "byte_queue_limits/inflight"};

// The seed's knobs (net.core budget and steering; the TCP ones of its sysctl list).
constexpr const char* kSysctls[] = {
    "net.core.rps_sock_flow_entries", "net.core.netdev_max_backlog",  "net.core.netdev_budget",
    "net.core.netdev_budget_usecs",   "net.core.dev_weight",          "net.core.somaxconn",
    "net.ipv4.tcp_max_syn_backlog",   "net.ipv4.tcp_retries1",        "net.ipv4.tcp_retries2",
    "net.ipv4.tcp_rmem",              "net.ipv4.tcp_wmem",            "net.ipv4.tcp_congestion_control",
    "net.ipv4.tcp_available_congestion_control"};

reports::Probed<std::string> read_knob(const std::string& path) {
  return core::try_probe<std::string>([&] { return squeeze_spaces(core::read_file(path)); });
}

std::string proc_sys_path(const std::string& name) {
  std::string p = "/proc/sys/" + name;
  std::replace(p.begin() + 10, p.end(), '.', '/');
  return p;
}

}  // namespace

std::string squeeze_spaces(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::map<std::string, KnobValues> queue_knobs(const core::NetnsSysfs& sysfs, const std::string& ifname) {
  std::map<std::string, KnobValues> out;
  std::string dir = sysfs.path("class/net/" + ifname + "/queues");
  std::unique_ptr<DIR, int (*)(DIR*)> d(opendir(dir.c_str()), closedir);
  if (!d) return out;
  while (dirent* e = readdir(d.get())) {
    std::string q = e->d_name;
    bool rx = q.starts_with("rx-"), tx = q.starts_with("tx-");
    if (!rx && !tx) continue;
    KnobValues& knobs = out[q];
    if (rx)
      for (const char* k : kRxKnobs) knobs[k] = read_knob(dir + "/" + q + "/" + k);
    else
      for (const char* k : kTxKnobs) knobs[k] = read_knob(dir + "/" + q + "/" + k);
  }
  return out;
}

KnobValues net_sysctls(int host_netns_fd) {
  KnobValues out;
  std::vector<std::string> missing;
  for (const char* name : kSysctls) {
    std::string path = proc_sys_path(name);
    if (::access(path.c_str(), R_OK) != 0 && errno == ENOENT) missing.push_back(name);
    else out[name] = read_knob(path);
  }
  if (missing.empty() || host_netns_fd < 0) {
    for (const auto& name : missing) out[name] = read_knob(proc_sys_path(name));  // the ENOENT
    return out;
  }
  // /proc/sys/net follows the reading thread's netns.
  core::in_netns_thread(host_netns_fd, [&] {
    for (const auto& name : missing) out[name] = read_knob(proc_sys_path(name));
  });
  return out;
}

}  // namespace pb::host
