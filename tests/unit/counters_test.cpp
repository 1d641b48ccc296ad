#include "bench/host/counters.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>

#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"
#include "bench/host/net_knobs.h"
#include "bench/host/socket_owners.h"

namespace pb::host {
namespace {

constexpr const char* kSnmpFixture =
    "Ip: Forwarding DefaultTTL InReceives InHdrErrors\n"
    "Ip: 2 64 738 0\n"
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens CurrEstab\n"
    "Tcp: 1 200 120000 -1 17 3\n"
    "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n"
    "Udp: 445 1 0 446 0 0 0 0 0\n"
    "UdpLite: InDatagrams NoPorts\n"
    "UdpLite: 0 0\n";

constexpr const char* kNetstatFixture =
    "TcpExt: SyncookiesSent TW TCPTimeouts\n"
    "TcpExt: 0 11 511\n"
    "IpExt: InNoRoutes InOctets OutOctets\n"
    "IpExt: 0 18446744073709551000 12345\n";

TEST(ParseSnmp, HeaderValuePairs) {
  CounterGroups g = parse_snmp(kSnmpFixture);
  ASSERT_EQ(g.size(), 4u);
  EXPECT_EQ(g["Ip"]["InReceives"], 738u);
  EXPECT_EQ(g["Ip"].size(), 4u);
  EXPECT_EQ(g["Udp"]["InDatagrams"], 445u);
  EXPECT_EQ(g["Udp"]["RcvbufErrors"], 0u);
  EXPECT_EQ(g["Udp"]["OutDatagrams"], 446u);
  EXPECT_EQ(g["Tcp"]["CurrEstab"], 3u);
  EXPECT_EQ(int64_t(g["Tcp"]["MaxConn"]), -1);
  EXPECT_EQ(g["UdpLite"]["NoPorts"], 0u);
}

TEST(ParseSnmp, NetstatGroupsAndLargeValues) {
  CounterGroups g = parse_snmp(kNetstatFixture);
  EXPECT_EQ(g["TcpExt"]["TCPTimeouts"], 511u);
  EXPECT_EQ(g["IpExt"]["InOctets"], 18446744073709551000ull);
}

TEST(ParseSnmp, RejectsMalformedText) {
  EXPECT_THROW(parse_snmp("Udp: InDatagrams NoPorts\nUdp: 1\n"), std::runtime_error);
  EXPECT_THROW(parse_snmp("Udp: InDatagrams\n"), std::runtime_error);
  EXPECT_THROW(parse_snmp("Udp: InDatagrams\nTcp: 1\n"), std::runtime_error);
  EXPECT_THROW(parse_snmp("Udp: InDatagrams\nUdp: x\n"), std::runtime_error);
  EXPECT_TRUE(parse_snmp("").empty());
}

TEST(ParseSnmp6, GroupsByPrefix) {
  CounterGroups g = parse_snmp6(
      "Ip6InReceives                   \t7\n"
      "Icmp6OutType133                 \t2\n"
      "Udp6InDatagrams                 \t5\n"
      "UdpLite6InErrors                \t0\n");
  EXPECT_EQ(g["Ip6"]["InReceives"], 7u);
  EXPECT_EQ(g["Icmp6"]["OutType133"], 2u);
  EXPECT_EQ(g["Udp6"]["InDatagrams"], 5u);
  EXPECT_EQ(g["UdpLite6"]["InErrors"], 0u);
  EXPECT_THROW(parse_snmp6("Ip6InReceives\n"), std::runtime_error);
}

TEST(ParseSoftnet, ThirteenColumns) {
  CounterGroup s = parse_softnet(
      "0000000a 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000004 00000005 00000000\n"
      "000000f0 00000010 00000020 00000000 00000000 00000000 00000000 00000000 00000000 00000030 00000040 00000050 00000001\n");
  EXPECT_EQ(s["processed"], 0x0au + 0xf0u);
  EXPECT_EQ(s["dropped"], 0x11u);
  EXPECT_EQ(s["time_squeeze"], 0x22u);
  EXPECT_EQ(s["received_rps"], 0x33u);
  EXPECT_EQ(s["flow_limit_count"], 0x44u);
  EXPECT_EQ(s.count("squeeze_time"), 0u);
  EXPECT_EQ(s.size(), 5u);
}

TEST(ParseSoftnet, FifteenColumnsOfThisKernel) {
  // As read on the 6.18 development machines, CPU 1 with a backlog of 1.
  CounterGroup s = parse_softnet(
      "00000010 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
      "000002d7 00000002 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000007 00000000 00000001 00000001 00000001 00000000\n");
  EXPECT_EQ(s["processed"], 0x10u + 0x2d7u);
  EXPECT_EQ(s["dropped"], 2u);
  EXPECT_EQ(s["time_squeeze"], 1u);
  EXPECT_EQ(s["received_rps"], 7u);
  EXPECT_EQ(s["flow_limit_count"], 0u);
  EXPECT_EQ(s.size(), 5u);
}

TEST(ParseSoftnet, SeventeenColumnsSplitSqueeze) {
  CounterGroup s = parse_softnet(
      "00000100 00000000 00000005 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000002 00000003\n"
      "00000100 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001 00000000 00000000 00000001 00000000\n");
  EXPECT_EQ(s["processed"], 0x200u);
  EXPECT_EQ(s["time_squeeze"], 6u);
  EXPECT_EQ(s["squeeze_time"], 3u);
  EXPECT_EQ(s["squeeze_budget"], 3u);
}

TEST(ParseSoftnet, RejectsShortOrBadLines) {
  EXPECT_THROW(parse_softnet("00000001 00000002 00000003\n"), std::runtime_error);
  EXPECT_THROW(parse_softnet(
                   "0000000g 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"),
               std::runtime_error);
}

TEST(ParseLinkStats64, NamesEveryField) {
  rtnl_link_stats64 st{};
  st.rx_packets = 1;
  st.tx_bytes = 2;
  st.multicast = 3;
  st.rx_missed_errors = 4;
  st.rx_nohandler = 5;
  st.rx_otherhost_dropped = 6;
  CounterGroup g = parse_link_stats64(&st, sizeof st);
  EXPECT_EQ(g.size(), sizeof st / sizeof(uint64_t));
  EXPECT_EQ(g["rx_packets"], 1u);
  EXPECT_EQ(g["tx_bytes"], 2u);
  EXPECT_EQ(g["multicast"], 3u);
  EXPECT_EQ(g["rx_missed_errors"], 4u);
  EXPECT_EQ(g["rx_nohandler"], 5u);
  EXPECT_EQ(g["rx_otherhost_dropped"], 6u);
  EXPECT_EQ(g["collisions"], 0u);
}

TEST(ParseLinkStats64, ShorterStructFromOlderKernel) {
  rtnl_link_stats64 st{};
  st.rx_nohandler = 5;
  CounterGroup g = parse_link_stats64(&st, offsetof(rtnl_link_stats64, rx_otherhost_dropped));
  EXPECT_EQ(g.count("rx_otherhost_dropped"), 0u);
  EXPECT_EQ(g["rx_nohandler"], 5u);
}

TEST(CountersJson, ShapeAndDeltas) {
  CounterSnapshot before;
  before.taken_ns = 1'000'000'000;
  before.groups["link:lo"] = {{"rx_packets", 10}, {"tx_packets", 10}};
  before.groups["link:gone0"] = {{"rx_packets", 1}};
  before.groups["Udp"] = {{"InDatagrams", 100}};
  before.groups["Tcp"] = {{"CurrEstab", 5}, {"MaxConn", uint64_t(-1)}};
  before.groups["softnet"] = {{"processed", 1000}};

  CounterSnapshot after = before;
  after.taken_ns = 3'500'000'000;
  after.groups.erase("link:gone0");
  after.groups["link:lo"]["rx_packets"] = 25;
  after.groups["link:new0"] = {{"rx_packets", 7}};
  after.groups["Udp"]["InDatagrams"] = 142;
  after.groups["Tcp"]["CurrEstab"] = 2;
  after.groups["softnet"]["processed"] = 1100;

  reports::CounterSnapshot abs = to_report(before);
  EXPECT_EQ(abs.taken_ns, 1'000'000'000u);
  EXPECT_EQ(abs.groups.link["lo"]["rx_packets"], 10);
  EXPECT_EQ(abs.groups.snmp["Udp"]["InDatagrams"], 100);
  EXPECT_EQ(abs.groups.snmp["Tcp"]["MaxConn"], -1);
  EXPECT_EQ(abs.groups.softnet["processed"], 1000);

  reports::CounterDelta d = delta(before, after);
  EXPECT_DOUBLE_EQ(d.interval_s, 2.5);
  EXPECT_EQ(d.link("lo", "rx_packets"), 15);
  EXPECT_EQ(d.link("lo", "tx_packets"), 0);
  EXPECT_TRUE(d.groups.link["lo"].count("tx_packets"));
  EXPECT_EQ(d.link("new0", "rx_packets"), 7);
  EXPECT_FALSE(d.groups.link.count("gone0"));
  EXPECT_EQ(d.snmp("Udp", "InDatagrams"), 42);
  EXPECT_EQ(d.snmp("Tcp", "CurrEstab"), -3);
  EXPECT_EQ(d.snmp("Tcp", "MaxConn"), 0);
  EXPECT_EQ(d.groups.softnet["processed"], 100);
  EXPECT_EQ(d.snmp("Udp", "NoSuchCounter"), 0);
}

// /proc/net/softnet_stat of 6.18 (15 columns); the second line is CPU 2 (CPU 1 offline).
constexpr const char* kSoftnet15 =
    "000138b8 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000004 00000005 "
    "00000000 00000002 00000003\n"
    "00000d0e 00000000 0000000a 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
    "00000002 00000000 00000000\n";

TEST(ParseSoftnetCpus, EveryColumnNamedKeyedByTheCpuColumn) {
  CounterGroups g = parse_softnet_cpus(kSoftnet15);
  ASSERT_EQ(g.size(), 2u);
  ASSERT_TRUE(g.count("cpu0"));
  ASSERT_TRUE(g.count("cpu2"));  // column 13, not the line number
  EXPECT_EQ(g["cpu0"]["processed"], 0x138b8u);
  EXPECT_EQ(g["cpu0"]["dropped"], 1u);
  EXPECT_EQ(g["cpu0"]["time_squeeze"], 2u);
  EXPECT_EQ(g["cpu0"]["col4"], 0u);
  EXPECT_EQ(g["cpu0"]["col9"], 0u);
  EXPECT_EQ(g["cpu0"]["received_rps"], 3u);
  EXPECT_EQ(g["cpu0"]["flow_limit_count"], 4u);
  EXPECT_EQ(g["cpu0"]["backlog_len"], 5u);
  EXPECT_EQ(g["cpu0"]["input_qlen"], 2u);
  EXPECT_EQ(g["cpu0"]["process_qlen"], 3u);
  EXPECT_EQ(g["cpu0"].count("cpu"), 0u);
  EXPECT_EQ(g["cpu0"].size(), 14u);
  EXPECT_EQ(g["cpu2"]["time_squeeze"], 10u);
  CounterGroup sums = parse_softnet(kSoftnet15);
  EXPECT_EQ(sums["processed"], g["cpu0"]["processed"] + g["cpu2"]["processed"]);
}

TEST(ParseSoftnetCpus, OlderAndNewerLayouts) {
  // 11 columns (no CPU column): keyed by line; 17: the two squeeze parts.
  CounterGroups old = parse_softnet_cpus("00000001 0 0 0 0 0 0 0 0 0 0\n00000002 0 0 0 0 0 0 0 0 0 0\n");
  EXPECT_EQ(old["cpu1"]["processed"], 2u);
  CounterGroups neu = parse_softnet_cpus("1 0 5 0 0 0 0 0 0 0 0 0 1 0 0 3 2\n");
  EXPECT_EQ(neu["cpu1"]["squeeze_time"], 3u);
  EXPECT_EQ(neu["cpu1"]["squeeze_budget"], 2u);
  EXPECT_THROW(parse_softnet_cpus("1 2 3\n"), std::runtime_error);
  EXPECT_THROW(parse_softnet_cpus("1 2 3 4 5 6 7 8 9 10 zz\n"), std::runtime_error);
}

TEST(ParseSoftirqs, NetRowsPerCpu) {
  constexpr const char* kText =
      "                    CPU0       CPU1       \n"
      "          HI:          0          0\n"
      "      NET_TX:          5          3\n"
      "      NET_RX:      41443       2543\n"
      "       SCHED:      34060      33907\n";
  CounterGroups g = parse_softirqs(kText);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g["NET_RX"]["cpu0"], 41443u);
  EXPECT_EQ(g["NET_RX"]["cpu1"], 2543u);
  EXPECT_EQ(g["NET_TX"]["cpu1"], 3u);
  EXPECT_EQ(parse_softirqs(kText, {}).size(), 4u);
  EXPECT_THROW(parse_softirqs("  CPU0\nNET_RX: 1 2\n"), std::runtime_error);
  EXPECT_THROW(parse_softirqs("  CPU0\nNET_RX: x\n"), std::runtime_error);
}

TEST(ParseInterrupts, CountsAndNames) {
  constexpr const char* kText =
      "           CPU0       CPU1       \n"
      "  24:          1          0  IO-APIC   5-edge      ACPI:Ged\n"
      "  38:          0       2498  PCI-MSIX-0000:00:03.0   1-edge      virtio2-input.0\n"
      " LOC:     350947     359291   Local timer interrupts\n"
      " ERR:          0\n";
  std::map<std::string, std::string> names;
  CounterGroups g = parse_interrupts(kText, &names);
  EXPECT_EQ(g["24"]["cpu0"], 1u);
  EXPECT_EQ(g["38"]["cpu1"], 2498u);
  EXPECT_EQ(g["LOC"]["cpu1"], 359291u);
  EXPECT_EQ(g["ERR"].size(), 1u);
  EXPECT_EQ(names["38"], "PCI-MSIX-0000:00:03.0 1-edge virtio2-input.0");
  EXPECT_EQ(names["LOC"], "Local timer interrupts");
  EXPECT_THROW(parse_interrupts("CPU0\nno colon here\n"), std::runtime_error);
}

TEST(ParseSockstat, GroupsOfPairs) {
  CounterGroups g = parse_sockstat(
      "sockets: used 18\nTCP: inuse 1 orphan 0 tw 2 alloc 1 mem 89\nUDP: inuse 0 mem 0\nFRAG: inuse 0 memory 0\n");
  EXPECT_EQ(g["sockets"]["used"], 18u);
  EXPECT_EQ(g["TCP"]["tw"], 2u);
  EXPECT_EQ(g["TCP"]["mem"], 89u);
  EXPECT_EQ(g["FRAG"]["memory"], 0u);
  CounterGroups six = parse_sockstat("TCP6: inuse 3\nUDP6: inuse 1\n");
  EXPECT_EQ(six["TCP6"]["inuse"], 3u);
  EXPECT_THROW(parse_sockstat("TCP: inuse\n"), std::runtime_error);
  EXPECT_THROW(parse_sockstat("TCP: inuse x\n"), std::runtime_error);
  EXPECT_THROW(parse_sockstat("no colon 1\n"), std::runtime_error);
}

TEST(CountersJson, NewGroupsInReportAndDelta) {
  CounterSnapshot before, after;
  before.taken_ns = 1;
  after.taken_ns = 2;
  before.groups["ethtool:pb-dut0"] = {{"rx_queue_0_xdp_packets", 10}};
  after.groups["ethtool:pb-dut0"] = {{"rx_queue_0_xdp_packets", 25}};
  before.groups["softnet_cpu:cpu1"] = {{"processed", 5}};
  after.groups["softnet_cpu:cpu1"] = {{"processed", 9}};
  after.groups["softirqs:NET_RX"] = {{"cpu0", 3}};
  before.groups["sockstat:TCP"] = {{"inuse", 4}};
  after.groups["sockstat:TCP"] = {{"inuse", 1}};
  reports::CounterDelta d = delta(before, after);
  ASSERT_TRUE(d.groups.ethtool && d.groups.softnet_cpu && d.groups.softirqs && d.groups.sockstat);
  EXPECT_FALSE(d.groups.interrupts.has_value());
  EXPECT_EQ((*d.groups.ethtool)["pb-dut0"]["rx_queue_0_xdp_packets"], 15);
  EXPECT_EQ((*d.groups.softnet_cpu)["cpu1"]["processed"], 4);
  EXPECT_EQ((*d.groups.softirqs)["NET_RX"]["cpu0"], 3);
  EXPECT_EQ((*d.groups.sockstat)["TCP"]["inuse"], -3);  // a gauge that fell
  EXPECT_TRUE(d.groups.link.empty() && d.groups.snmp.empty());
  reports::CounterSnapshot r = to_report(after);
  EXPECT_EQ((*r.groups.ethtool)["pb-dut0"]["rx_queue_0_xdp_packets"], 25);
}

TEST(SocketOwners, InodeOfLinkTarget) {
  EXPECT_EQ(socket_inode_of("socket:[12345]"), 12345u);
  EXPECT_EQ(socket_inode_of("socket:[]"), 0u);
  EXPECT_EQ(socket_inode_of("pipe:[12345]"), 0u);
  EXPECT_EQ(socket_inode_of("/dev/null"), 0u);
  EXPECT_EQ(socket_inode_of("socket:[12x]"), 0u);
}

TEST(SocketOwners, FindsOwnSocket) {
  core::UniqueFd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_TRUE(s);
  struct stat st {};
  ASSERT_EQ(fstat(s.get(), &st), 0);
  auto owners = socket_owners();
  ASSERT_TRUE(owners.count(st.st_ino));
  bool found = false;
  for (const auto& o : owners[st.st_ino]) found = found || (o.pid == getpid() && o.fd == s.get());
  EXPECT_TRUE(found);
}

TEST(NetKnobs, SqueezeSpaces) {
  EXPECT_EQ(squeeze_spaces("4096\t131072\t6291456\n"), "4096 131072 6291456");
  EXPECT_EQ(squeeze_spaces("  reno  bbr cubic\n"), "reno bbr cubic");
  EXPECT_EQ(squeeze_spaces("0\n"), "0");
}

uint64_t current_netns_inode() {
  struct stat st {};
  if (stat("/proc/thread-self/ns/net", &st) != 0) return 0;
  return uint64_t(st.st_ino);
}

// An anonymous netns with lo up, held only by the returned fd (nothing to clean up).
core::UniqueFd make_anonymous_netns(std::string& error) {
  core::UniqueFd fd;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      error = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return;
    }
    fd.reset(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    core::UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (!fd || !sock || ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) {
      error = std::string("open netns / lo flags: ") + std::strerror(errno);
      fd.reset();
      return;
    }
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0) {
      error = std::string("set lo up: ") + std::strerror(errno);
      fd.reset();
    }
  }).join();
  return fd;
}

// Sends `n` datagrams to a socket bound on 127.0.0.1 inside `netns_fd` and reads them all
// (Udp InDatagrams counts at recvmsg). Returns the number received.
int udp_loopback_roundtrip(int netns_fd, int n, std::string& error) {
  int received = 0;
  std::thread([&] {
    try {
      core::NetnsGuard in(netns_fd);
      core::UniqueFd rx(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      core::UniqueFd tx(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof addr;
      timeval tv{2, 0};
      if (!rx || !tx || bind(rx.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
          getsockname(rx.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
          setsockopt(rx.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0) {
        error = std::string("udp setup: ") + std::strerror(errno);
        return;
      }
      char payload[32] = "pathbench counters test";
      char buf[64];
      // One at a time so the receive buffer can never overflow.
      for (int i = 0; i < n; ++i) {
        if (sendto(tx.get(), payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
            ssize_t(sizeof payload)) {
          error = std::string("sendto: ") + std::strerror(errno);
          return;
        }
        if (recv(rx.get(), buf, sizeof buf, 0) != ssize_t(sizeof payload)) {
          error = std::string("recv: ") + std::strerror(errno);
          return;
        }
        ++received;
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
  }).join();
  return received;
}

TEST(TakeSnapshot, HostNetnsHasTheUsualGroups) {
  CounterSnapshot s = take_snapshot();
  EXPECT_GT(s.taken_ns, 0u);
  ASSERT_TRUE(s.groups.count("link:lo"));
  EXPECT_TRUE(s.groups["link:lo"].count("rx_packets"));
  EXPECT_TRUE(s.groups["link:lo"].count("rx_nohandler"));
  EXPECT_TRUE(s.groups["Udp"].count("InDatagrams"));
  EXPECT_TRUE(s.groups["Udp"].count("RcvbufErrors"));
  EXPECT_TRUE(s.groups["TcpExt"].count("TCPTimeouts"));
  EXPECT_TRUE(s.groups["IpExt"].count("InOctets"));
  EXPECT_TRUE(s.groups["softnet"].count("processed"));
  EXPECT_TRUE(s.groups.count("softnet_cpu:cpu0"));
  EXPECT_TRUE(s.groups["softirqs:NET_RX"].count("cpu0"));
  EXPECT_TRUE(s.groups["sockstat:TCP"].count("inuse"));
  EXPECT_FALSE(s.groups.count("interrupts:LOC"));  // off by default
  EXPECT_FALSE(s.groups.count("ethtool:lo"));       // lo has no driver stats
  EXPECT_TRUE(s.ethtool_errors.count("lo"));

  SnapshotOptions only_lo;
  only_lo.ifnames = {"lo", "pb-no-such-link"};
  only_lo.snmp = false;
  only_lo.softnet = false;
  only_lo.sockstat = false;
  CounterSnapshot l = take_snapshot(only_lo);
  ASSERT_EQ(l.groups.size(), 1u);
  EXPECT_TRUE(l.groups.count("link:lo"));
}

TEST(TakeSnapshotIn, UdpDatagramsOnLoopbackOfAFreshNetns) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (CAP_SYS_ADMIN) to create and enter a netns";
  std::string error;
  core::UniqueFd ns = make_anonymous_netns(error);
  if (!ns) GTEST_SKIP() << "cannot create a netns here: " << error;

  const uint64_t caller_ns = current_netns_inode();
  CounterSnapshot before = take_snapshot_in(ns.get());
  EXPECT_EQ(current_netns_inode(), caller_ns);
  // Fresh netns: its own per-netns counters, not the host's.
  ASSERT_TRUE(before.groups.count("link:lo"));
  EXPECT_EQ(before.groups["Udp"]["InDatagrams"], 0u);

  constexpr int kDatagrams = 50;
  ASSERT_EQ(udp_loopback_roundtrip(ns.get(), kDatagrams, error), kDatagrams) << error;

  CounterSnapshot after = take_snapshot_in(ns.get());
  EXPECT_EQ(current_netns_inode(), caller_ns);
  reports::CounterDelta d = delta(before, after);
  EXPECT_EQ(d.snmp("Udp", "InDatagrams"), kDatagrams);
  EXPECT_EQ(d.snmp("Udp", "OutDatagrams"), kDatagrams);
  EXPECT_GE(d.link("lo", "rx_packets"), kDatagrams);
  EXPECT_GE(d.link("lo", "tx_packets"), kDatagrams);
  EXPECT_GT(d.interval_s, 0.0);
}

}  // namespace
}  // namespace pb::host
