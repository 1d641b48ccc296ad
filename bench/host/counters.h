// The classical counters (`ip -s link`, `nstat`/`netstat -s`, `/proc/net/softnet_stat`)
// read from kernel interfaces, in the network namespace of the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "bench/core/topology.h"
#include "reports/model/counters.h"

namespace pb::host {

// Counter name -> value, names exactly as the kernel prints them.
using CounterGroup = std::map<std::string, uint64_t>;
// Group name -> counters.
using CounterGroups = std::map<std::string, CounterGroup>;

inline constexpr std::string_view kLinkGroupPrefix = "link:";
inline constexpr std::string_view kSoftnetGroup = "softnet";
// The per-row groups (prefix + row name) of the optional report groups.
inline constexpr std::string_view kEthtoolGroupPrefix = "ethtool:";        // + ifname
inline constexpr std::string_view kSoftnetCpuGroupPrefix = "softnet_cpu:";  // + "cpu0"
inline constexpr std::string_view kSoftirqsGroupPrefix = "softirqs:";      // + "NET_RX"
inline constexpr std::string_view kSockstatGroupPrefix = "sockstat:";      // + "TCP"
inline constexpr std::string_view kInterruptsGroupPrefix = "interrupts:";  // + IRQ

// One reading of the counters. Groups:
//   "link:<ifname>"  every field of struct rtnl_link_stats64 (rtnetlink IFLA_STATS64);
//   "Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite"  from /proc/thread-self/net/snmp;
//   "TcpExt", "IpExt", "MPTcpExt", ...               from /proc/thread-self/net/netstat;
//   "Ip6", "Icmp6", "Udp6", "UdpLite6"               from /proc/thread-self/net/snmp6
//                                                    (absent when IPv6 is off);
//   "softnet"  per-CPU sums from /proc/net/softnet_stat (host-wide, not per netns);
//   "softnet_cpu:cpuN"  every softnet_stat column of CPU N, named (host-wide);
//   "softirqs:NET_RX", "softirqs:NET_TX"  per CPU ("cpu0", ...) from /proc/softirqs (host-wide);
//   "ethtool:<ifname>"  the driver's `ethtool -S` stats, for the links that have them;
//   "sockstat:<TCP|UDP|...>"  the gauges of /proc/thread-self/net/sockstat and sockstat6;
//   "interrupts:<IRQ>"  per CPU from /proc/interrupts (host-wide; off by default).
// Values the kernel prints as negative (Tcp MaxConn = -1) are stored two's complement.
struct CounterSnapshot {
  uint64_t taken_ns = 0;  // CLOCK_MONOTONIC time of the reading
  CounterGroups groups;
  std::map<std::string, std::string> ethtool_errors;  // ifname -> why it has no `ethtool -S` stats
  std::map<std::string, std::string> irq_names;       // IRQ -> its description (with interrupts)
};

// What take_snapshot reads. A trial reads the link, snmp, ethtool and sockstat groups (all in
// its netns, a few tens of microseconds); `softnet` adds the host-wide per-CPU files.
struct SnapshotOptions {
  std::vector<std::string> ifnames;  // links to read; empty: every link of the netns
  bool links = true;
  bool snmp = true;  // snmp, netstat and snmp6
  bool softnet = true;  // softnet_stat sums and per CPU, softirqs NET_RX/NET_TX
  bool ethtool = true;  // `ethtool -S` of the links read (needs links)
  bool sockstat = true;
  bool interrupts = false;
};

// Parses the header/value line pairs of /proc/net/snmp or /proc/net/netstat
// ("Udp: InDatagrams ..." then "Udp: 12 ..."); throws std::runtime_error on malformed text.
CounterGroups parse_snmp(std::string_view text);

// Parses /proc/net/snmp6 ("Udp6InDatagrams  12" per line) into groups named by the prefix
// up to the '6' ("Udp6" -> "InDatagrams"); throws std::runtime_error on malformed text.
CounterGroups parse_snmp6(std::string_view text);

// Sums /proc/net/softnet_stat over CPUs: processed, dropped, time_squeeze, received_rps,
// flow_limit_count; with 17 columns also squeeze_time and squeeze_budget (the two parts
// of time_squeeze). Columns are hex; 13, 15 and 17 column layouts are understood.
// Throws std::runtime_error on a line with fewer than 11 columns or a bad number.
CounterGroup parse_softnet(std::string_view text);

// /proc/net/softnet_stat per CPU: "cpuN" (column 13, else the line number) -> processed,
// dropped, time_squeeze, col4 ... col9 (always 0 on 6.x: were fastroute and cpu_collision),
// received_rps, flow_limit_count, backlog_len, input_qlen, process_qlen, squeeze_time,
// squeeze_budget (as many as the line has). Throws std::runtime_error as parse_softnet.
CounterGroups parse_softnet_cpus(std::string_view text);

// /proc/softirqs rows `rows` ("NET_RX", "NET_TX"; empty: all) -> "cpuN" -> count; throws
// std::runtime_error on a row with more values than the CPU header or a bad number.
CounterGroups parse_softirqs(std::string_view text, const std::vector<std::string>& rows = {"NET_RX", "NET_TX"});

// /proc/interrupts: IRQ ("24", "NMI", "LOC") -> "cpuN" -> count, and IRQ -> the rest of its
// line (chip, hwirq, name: "IO-APIC 5-edge ACPI:Ged") in `names`. Rows with fewer counts
// than CPUs (ERR, MIS) keep what they have.
CounterGroups parse_interrupts(std::string_view text, std::map<std::string, std::string>* names = nullptr);

// /proc/net/sockstat and sockstat6 ("TCP: inuse 3 orphan 0 tw 1 alloc 5 mem 2"): group ->
// name -> value; throws std::runtime_error on a line that is not "Group: (name value)*".
CounterGroups parse_sockstat(std::string_view text);

// Names the fields of an IFLA_STATS64 payload of `len` bytes (struct rtnl_link_stats64);
// fields beyond `len` (an older kernel sends a shorter struct) are left out.
CounterGroup parse_link_stats64(const void* payload, size_t len);

// Reads the counters in the calling thread's netns; throws std::system_error when a
// source cannot be read. A requested ifname that does not exist is logged and left out.
CounterSnapshot take_snapshot(const SnapshotOptions& options = {});

// take_snapshot inside `netns_fd`, on a short-lived thread, so the caller's netns never
// changes; rethrows the thread's exception.
CounterSnapshot take_snapshot_in(int netns_fd, const SnapshotOptions& options = {});

// The snmp, netstat and snmp6 counters of netns `netns` (a name under /run/netns or a path;
// "": the caller's) as "Group:Name" -> value ("Tcp:RetransSegs"), for the tools
// (ToolOptions::read_counters). Throws std::system_error when the netns cannot be opened.
std::map<std::string, uint64_t> snmp_counters_of(const std::string& netns);

// The snapshot as the report model holds it ("link", "snmp", "softnet" groups).
reports::CounterSnapshot to_report(const CounterSnapshot& snapshot);

// after - before per counter, as signed values (right for counters and for gauges that fell).
// Groups only in `after` (a link created in between) count from 0; groups only in `before`
// (a link deleted in between) are left out.
reports::CounterDelta delta(const CounterSnapshot& before, const CounterSnapshot& after);

// A core::CounterWatch over a TG and a DUT namespace: reads both at construction and again
// for each delta().
class NetnsCounterWatch final : public core::CounterWatch {
 public:
  NetnsCounterWatch(int tg_netns, SnapshotOptions tg, int dut_netns, SnapshotOptions dut);
  reports::ScenarioCounters delta() const override;

 private:
  int tg_netns_, dut_netns_;
  SnapshotOptions tg_opts_, dut_opts_;
  CounterSnapshot tg0_, dut0_;
};

}  // namespace pb::host
