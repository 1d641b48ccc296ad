// The classical counters (`ip -s link`, `nstat`/`netstat -s`, `/proc/net/softnet_stat`), as a
// snapshot and as a delta between two. Names are the kernel's own.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace pb::reports {

// Counter name -> value (two's complement for what the kernel prints negative).
using CounterValues = std::map<std::string, int64_t>;

struct CounterGroups {
  std::map<std::string, CounterValues> link;  // ifname -> rtnl_link_stats64 fields
  std::map<std::string, CounterValues> snmp;  // "Udp", "TcpExt", "Ip6", ... -> counters
  CounterValues softnet;                      // summed over CPUs (host-wide, not per netns)
  bool operator==(const CounterGroups&) const = default;
};

// `pathbench snapshot`: one reading at taken_ns (CLOCK_MONOTONIC).
struct CounterSnapshot {
  uint64_t taken_ns = 0;
  CounterGroups groups;
  bool operator==(const CounterSnapshot&) const = default;
};

// after - before over interval_s; a group only in `after` counts from 0.
struct CounterDelta {
  double interval_s = 0;
  CounterGroups groups;

  // One counter, 0 when absent (as a reader of `ip -s link` would take a missing field).
  int64_t snmp(const std::string& group, const std::string& name) const { return value(groups.snmp, group, name); }
  int64_t link(const std::string& ifname, const std::string& name) const { return value(groups.link, ifname, name); }
  bool operator==(const CounterDelta&) const = default;

 private:
  static int64_t value(const std::map<std::string, CounterValues>& m, const std::string& a, const std::string& b) {
    auto g = m.find(a);
    if (g == m.end()) return 0;
    auto v = g->second.find(b);
    return v == g->second.end() ? 0 : v->second;
  }
};

// A scenario's counters: deltas over the whole scenario in each namespace.
struct ScenarioCounters {
  CounterDelta dut, tg;
  bool operator==(const ScenarioCounters&) const = default;
};

}  // namespace pb::reports
