#include "reports/snapshot.h"

#include <gtest/gtest.h>

#include "bench/core/errors.h"
#include "reports/json.h"

namespace pb::reports {
namespace {

CounterSnapshot sample(uint64_t taken_ns, int64_t tx, int64_t out_dgrams, int64_t tcp_inuse) {
  CounterSnapshot s;
  s.kind = kSnapshotKind;
  s.taken_ns = taken_ns;
  s.netns = "pb-x";
  s.groups.link["pbs0"] = {{"tx_packets", tx}, {"rx_packets", 7}, {"tx_bytes", tx * 100}, {"rx_dropped", 1},
                           {"rx_missed_errors", 2}};
  s.groups.snmp["Udp"] = {{"OutDatagrams", out_dgrams}, {"InDatagrams", 3}};
  s.groups.snmp["Tcp"] = {{"ActiveOpens", 4}, {"MaxConn", -1}};
  s.groups.softnet = {{"processed", tx}};
  s.groups.softnet_cpu = CounterTable{{"cpu0", {{"processed", tx}, {"backlog_len", 2}}}, {"cpu1", {{"processed", 1}}}};
  s.groups.sockstat = CounterTable{{"sockets", {{"used", 9}}}, {"TCP", {{"inuse", tcp_inuse}, {"tw", 1}}}};
  s.groups.ethtool = CounterTable{{"pbs0", {{"peer_ifindex", 2}}}};
  Socket sock;
  sock.netid = "tcp";
  sock.state = "ESTAB";
  sock.local = "198.18.7.1";
  sock.lport = 40000;
  sock.peer = "198.18.7.2";
  sock.pport = 5555;
  sock.cong = "cubic";
  sock.skmem = CounterValues{{"rcvbuf", 131072}, {"sndbuf", 87040}};
  sock.tcp_info = CounterValues{{"rtt", 65}, {"rttvar", 20}, {"snd_cwnd", 10}, {"snd_mss", 1448}, {"bytes_acked", 5}};
  sock.users = {{"python3", 123, 3}};
  s.sockets = std::vector<Socket>{sock};
  LinkSettings l;
  l.ethtool.rss = Feature{false, std::string("EOPNOTSUPP"), std::string("ethtool GRSSH pbs0: Operation not supported")};
  l.ethtool.channels = CounterValues{{"rx_count", 1}};
  l.queues["rx-0"]["rps_cpus"] = std::string("0");
  l.queues["tx-0"]["xps_cpus"] = Feature{false, std::string("ENOENT"), std::string("no such file")};
  s.links = std::map<std::string, LinkSettings>{{"pbs0", l}};
  s.sysctls = std::map<std::string, Probed<std::string>>{{"net.core.somaxconn", std::string("4096")}};
  return s;
}

TEST(SnapshotJson, RoundTrip) {
  CounterSnapshot s = sample(1'000'000'000, 10, 10, 2);
  CounterSnapshot back = snapshot_from_json(to_json_text(s), "s.json");
  EXPECT_EQ(back, s);
}

TEST(SnapshotJson, ReaderNamesTheFile) {
  auto error_of = [](const std::string& text) {
    try {
      snapshot_from_json(text, "x.json");
    } catch (const core::UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("{nope").find("x.json: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[]").find("x.json: not a pathbench snapshot"), std::string::npos);
  EXPECT_NE(error_of(R"({"schema_version": 1})").find("looks like a run report"), std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "pathbench-snapshot", "taken_ns": 1, "link": {}, "snmp": {}})").find("softnet: missing"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "pathbench-snapshot", "taken_ns": "x", "link": {}, "snmp": {}, "softnet": {}})")
                .find("taken_ns"),
            std::string::npos);
}

TEST(SnapshotDiff, ChangedCountersRatesAndSar) {
  CounterSnapshot a = sample(1'000'000'000, 10, 10, 2), b = sample(3'000'000'000, 210, 210, 1);
  SnapshotDiff d = diff_snapshots(a, b, "a.json", "b.json");
  EXPECT_EQ(d.kind, kSnapshotDiffKind);
  EXPECT_DOUBLE_EQ(d.interval_s, 2.0);
  EXPECT_EQ(d.changed["link"]["pbs0"]["tx_packets"].delta, 200);
  EXPECT_DOUBLE_EQ(d.changed["link"]["pbs0"]["tx_packets"].rate, 100.0);
  EXPECT_EQ(d.changed["link"]["pbs0"].count("rx_packets"), 0u);  // unchanged: left out
  EXPECT_EQ(d.changed["snmp"]["Udp"]["OutDatagrams"].delta, 200);
  EXPECT_EQ(d.changed["snmp"].count("Tcp"), 0u);
  EXPECT_EQ(d.changed["softnet"]["all"]["processed"].delta, 200);
  EXPECT_EQ(d.changed["sockstat"]["TCP"]["inuse"].delta, -1);
  EXPECT_EQ(d.changed.count("ethtool"), 0u);
  EXPECT_DOUBLE_EQ(d.sar["DEV"]["pbs0"]["txpck/s"], 100.0);
  EXPECT_DOUBLE_EQ(d.sar["DEV"]["pbs0"]["rxpck/s"], 0.0);
  EXPECT_DOUBLE_EQ(d.sar["DEV"]["pbs0"]["txkB/s"], 100.0 * 100 / 1024);
  EXPECT_DOUBLE_EQ(d.sar["UDP"]["all"]["odgm/s"], 100.0);
  EXPECT_DOUBLE_EQ(d.sar["TCP"]["all"]["active/s"], 0.0);
  EXPECT_DOUBLE_EQ(d.sar["SOCK"]["all"]["totsck"], 9);  // gauges: B's value
  EXPECT_DOUBLE_EQ(d.sar["SOCK"]["all"]["tcpsck"], 1);
  EXPECT_DOUBLE_EQ(d.sar["SOCK"]["all"]["tcp-tw"], 1);
  EXPECT_DOUBLE_EQ(d.sar["SOFT"]["cpu0"]["total/s"], 100.0);
  EXPECT_DOUBLE_EQ(d.sar["SOFT"]["all"]["blg_len"], 2);
  EXPECT_THROW(diff_snapshots(b, a, "b.json", "a.json"), core::UsageError);
  // JSON shape: the writer and the text.
  std::string j = to_json_text(d);
  EXPECT_NE(j.find("\"txpck/s\""), std::string::npos);
  std::string text = render_diff_text(d);
  EXPECT_NE(text.find("== sar -n DEV =="), std::string::npos);
  EXPECT_NE(text.find("UdpOutDatagrams"), std::string::npos);
  EXPECT_NE(text.find("pbs0 tx_packets"), std::string::npos);
  EXPECT_NE(text.find("100.0"), std::string::npos);
}

TEST(SnapshotText, SectionsAsTheClassicalTools) {
  std::string t = render_snapshot_text(sample(1, 10, 10, 2));
  for (const char* s : {"== ss -tuaiepm ==", "== ip -s -s link ==", "== netstat -i ==", "== nstat -az ==",
                        "== ethtool -S pbs0 ==", "== ethtool -x pbs0 ==", "== softnet", "== sar -n SOCK ==",
                        "== sysctl =="})
    EXPECT_NE(t.find(s), std::string::npos) << s;
  EXPECT_NE(t.find("users:((\"python3\",pid=123,fd=3))"), std::string::npos) << t;
  EXPECT_NE(t.find("skmem:(r0,rb131072,t0,tb87040"), std::string::npos) << t;
  EXPECT_NE(t.find(" cubic "), std::string::npos);
  EXPECT_NE(t.find("rtt:0.065/0.02"), std::string::npos) << t;
  EXPECT_NE(t.find("not supported: ethtool GRSSH pbs0: Operation not supported"), std::string::npos);
  EXPECT_NE(t.find("UdpOutDatagrams"), std::string::npos);
  EXPECT_NE(t.find("xps_cpus=(ENOENT)"), std::string::npos);
  EXPECT_NE(t.find("net.core.somaxconn = 4096"), std::string::npos);
  // netstat -i's RX-DRP is rx_dropped + rx_missed_errors, as /proc/net/dev prints it.
  EXPECT_NE(t.find("pbs0                     7      0      3"), std::string::npos) << t;
}

}  // namespace
}  // namespace pb::reports
