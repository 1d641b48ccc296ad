// The classical counters (`ip -s link`, `nstat`/`netstat -s`, `ethtool -S`, softnet, softirqs,
// sockstat), as a snapshot and as a delta between two, and the rest of what `pathbench
// snapshot` shows (ss sockets, ethtool settings, queue knobs, sysctls). Names are the kernel's own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/model/capabilities.h"
#include "reports/model/values.h"

namespace pb::reports {

// Counter name -> value (two's complement for what the kernel prints negative).
using CounterValues = std::map<std::string, int64_t>;
// Row name (an ifname, a CPU "cpu0", a softirq "NET_RX") -> counters.
using CounterTable = std::map<std::string, CounterValues>;

// The delta-able groups. The optional ones are absent when they were not read (reports
// written before them, trial-scope readings, a source this host lacks).
struct CounterGroups {
  CounterTable link;      // ifname -> rtnl_link_stats64 fields
  CounterTable snmp;      // "Udp", "TcpExt", "Ip6", ... -> counters
  CounterValues softnet;  // summed over CPUs (host-wide, not per netns)
  std::optional<CounterTable> ethtool;      // ifname -> driver stats (ethtool -S), links that have them
  std::optional<CounterTable> softnet_cpu;  // "cpu0" -> every softnet_stat column, named
  std::optional<CounterTable> softirqs;     // "NET_RX", "NET_TX" -> "cpu0" -> count (/proc/softirqs)
  std::optional<CounterTable> sockstat;     // "TCP", "UDP6", "sockets", ... -> gauges (/proc/net/sockstat{,6})
  std::optional<CounterTable> interrupts;   // IRQ ("24", "LOC") -> "cpu0" -> count (/proc/interrupts)
  bool operator==(const CounterGroups&) const = default;
};

// ss: one socket's `ss -tiepm` / `ss -uaepm` view (sock_diag).
struct SocketProcess {
  std::string comm;
  int64_t pid = 0;
  int64_t fd = 0;
  bool operator==(const SocketProcess&) const = default;
};
struct Socket {
  std::string netid;  // "tcp" | "udp"
  std::string state;  // ss's names: ESTAB, LISTEN, UNCONN, TIME-WAIT, ...
  std::string local, peer;  // addresses
  uint16_t lport = 0, pport = 0;
  uint64_t recv_q = 0, send_q = 0;
  uint64_t uid = 0, inode = 0, cookie = 0;
  uint64_t ifindex = 0;  // bound device (0: none)
  std::optional<std::string> timer;  // "on", "keepalive", "timewait", "persist": ss -o's timer name
  std::optional<uint64_t> timer_expires_ms;
  std::optional<std::string> cong;   // congestion control algorithm (TCP)
  std::optional<CounterValues> skmem;     // rmem_alloc, rcvbuf, wmem_alloc, sndbuf, fwd_alloc, wmem_queued, optmem, backlog, drops
  std::optional<CounterValues> tcp_info;  // struct tcp_info fields without tcpi_, those the kernel sent
  std::vector<SocketProcess> users;       // processes holding the socket (/proc/PID/fd)
  bool operator==(const Socket&) const = default;
};

// ethtool: one link's settings; each part is what the ioctl returned or why it could not.
struct EthtoolSettings {
  Probed<std::map<std::string, std::string>> driver;    // GDRVINFO: driver, version, bus_info
  Probed<CounterValues> channels;                       // -l  GCHANNELS
  Probed<CounterValues> rings;                          // -g  GRINGPARAM
  Probed<CounterValues> coalesce;                       // -c  GCOALESCE
  Probed<std::map<std::string, std::string>> features;  // -k  GFEATURES: "on", "off [fixed]", ...
  Probed<std::map<std::string, std::string>> rss;       // -x  GRSSH: hfunc, key, indir (space separated)
  Probed<std::map<std::string, std::string>> rx_flow_hash;  // -n rx-flow-hash: flow type -> fields hashed
  std::optional<std::string> stats_error;  // -S: why there are no driver stats
  bool operator==(const EthtoolSettings&) const = default;
};

// One link of the snapshot: its ethtool settings and per-queue knobs.
struct LinkSettings {
  EthtoolSettings ethtool;
  // "rx-0" -> rps_cpus, rps_flow_cnt; "tx-0" -> xps_cpus, xps_rxqs, byte_queue_limits/* ...
  std::map<std::string, std::map<std::string, Probed<std::string>>> queues;
  bool operator==(const LinkSettings&) const = default;
};

// `pathbench snapshot`: one reading at taken_ns (CLOCK_MONOTONIC). The optional parts are
// the snapshot command's; a report's counters hold none of them.
struct CounterSnapshot {
  std::optional<std::string> kind;  // kSnapshotKind in a snapshot file
  uint64_t taken_ns = 0;
  std::optional<std::string> taken_at;  // UTC wall time, ISO 8601
  std::optional<std::string> netns;     // the --netns given; "" for the caller's
  CounterGroups groups;
  std::optional<std::vector<Socket>> sockets;
  std::optional<std::map<std::string, LinkSettings>> links;
  std::optional<std::map<std::string, Probed<std::string>>> sysctls;  // "net.core.somaxconn" -> value
  std::optional<std::map<std::string, std::string>> irq_names;        // IRQ -> its /proc/interrupts description
  bool operator==(const CounterSnapshot&) const = default;
};
inline constexpr const char* kSnapshotKind = "pathbench-snapshot";

// after - before over interval_s; a group only in `after` counts from 0.
struct CounterDelta {
  double interval_s = 0;
  CounterGroups groups;

  // One counter, 0 when absent (as a reader of `ip -s link` would take a missing field).
  int64_t snmp(const std::string& group, const std::string& name) const { return value(groups.snmp, group, name); }
  int64_t link(const std::string& ifname, const std::string& name) const { return value(groups.link, ifname, name); }
  bool operator==(const CounterDelta&) const = default;

 private:
  static int64_t value(const CounterTable& m, const std::string& a, const std::string& b) {
    auto g = m.find(a);
    if (g == m.end()) return 0;
    auto v = g->second.find(b);
    return v == g->second.end() ? 0 : v->second;
  }
};

// `pathbench snapshot --diff A B`: what changed from A to B, as nstat prints it.
struct CounterChange {
  int64_t delta = 0;  // B - A (signed: a gauge may fall)
  double rate = 0;    // delta / interval_s
  bool operator==(const CounterChange&) const = default;
};
// Group ("link", "snmp", "softnet", "ethtool", ...) -> row (ifname, "Udp", "cpu0"; "all" for
// the softnet sums) -> counter -> change. Only counters that changed.
using ChangeTable = std::map<std::string, std::map<std::string, std::map<std::string, CounterChange>>>;
// sar section ("DEV", "EDEV", "TCP", ..., "SOFT") -> row (ifname, "all", "cpu0") -> column
// as sar names it ("rxpck/s", "totsck") -> value (a rate, or the gauge's value in B).
using SarTable = std::map<std::string, std::map<std::string, std::map<std::string, double>>>;
struct SnapshotDiff {
  std::string kind;     // kSnapshotDiffKind
  std::string from, to;  // the two files
  std::optional<std::string> netns;  // B's
  double interval_s = 0;
  ChangeTable changed;
  SarTable sar;
  bool operator==(const SnapshotDiff&) const = default;
};
inline constexpr const char* kSnapshotDiffKind = "pathbench-snapshot-diff";

// A scenario's counters: deltas over the whole scenario in each namespace.
struct ScenarioCounters {
  CounterDelta dut, tg;
  bool operator==(const ScenarioCounters&) const = default;
};

}  // namespace pb::reports
