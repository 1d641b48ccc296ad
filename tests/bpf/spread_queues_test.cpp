// The spread and queues probe families on real traffic: a throwaway netns pair joined by a
// 2-queue veth (GRO on at the DUT end, so veth runs NAPI with real RX queues), 64 UDP flows
// at 50 kpps for 1 s into a 2-socket sink. Needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "bench/core/files.h"
#include "bench/core/netns.h"
#include "bench/core/netns_sysfs.h"
#include "bench/core/sysfs_guard.h"
#include "bench/host/topology_veth.h"
#include "bench/traffic/udp_generator.h"
#include "bench/traffic/udp_sink.h"
#include "kernel_probes/queues_probe.h"
#include "kernel_probes/spread_probe.h"
#include "kernel_probes/window_sampler.h"
#include "tests/bpf/rig.h"

namespace pb::probes {
namespace {

constexpr const char* kTgIf = host::VethTopology::kTgIf;
constexpr const char* kDutIf = host::VethTopology::kDutIf;
constexpr unsigned kQueues = 2;

std::string cannot_run() {
  return test::bpf_unavailable("CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN", "BPF programs", test::Refusal::kPermission,
                               [] { SpreadProbe p(ProbeScope{}); });
}

#define SKIP_UNLESS_ABLE() PB_SKIP_IF(cannot_run())

using core::NetnsSysfs;

struct Trial {
  reports::Spread spread;
  reports::Queues queues;
  uint64_t dut_rx_packets = 0, sent = 0, delivered = 0;
};

// The project's veth topology with 2 queues (netns pair, static neighbours, IPv6 off, GRO
// on at the DUT and TSO off at the TG, so veth takes UDP through NAPI and real RX queues)
// and both families on it, attached for whole trials.
struct Probed {
  test::Rig rig{kQueues, "spq"};
  SpreadProbe spread{rig.scope()};
  QueuesProbe queues{rig.scope()};
  WindowSampler always{1, 1, {&spread, &queues}};

  // One trial: 64 flows, 1 s at 50 kpps into a 2-socket sink, both families bracketing it.
  Trial trial(int rcvbuf = 0) {
    traffic::UdpSink sink(rig.sink_config(64, 2, rcvbuf));
    traffic::UdpGenerator gen = rig.generator({.flows = 64, .rate_pps = 50000, .duration_s = 1.0});
    sink.start();
    spread.begin_trial();
    queues.begin_trial();
    const uint64_t rx_before = rig.dut_link().rx_packets;
    std::atomic<bool> stop{false};
    auto sent = gen.run(stop);
    auto got = sink.stop(true);
    const uint64_t rx_after = rig.dut_link().rx_packets;
    Trial t;
    reports::Trial record;
    spread.end_trial(record);
    queues.end_trial(record);
    t.spread = record.spread.value_or(reports::Spread{});
    t.queues = record.queues.value_or(reports::Queues{});
    t.dut_rx_packets = rx_after - rx_before;
    t.sent = sent.sent;
    t.delivered = got.delivered;
    std::cout << "sent " << t.sent << " delivered " << t.delivered << " dut rx_packets " << t.dut_rx_packets
              << " rps_moved " << t.spread.rps_moved.value_or(0) << "\nqueues:";
    for (const auto& [k, v] : t.queues) std::cout << " " << k << "=" << (std::holds_alternative<reports::Queue>(v) ? "ok" : "absent");
    std::cout << "\n";
    return t;
  }
};

uint64_t queue_sum(const reports::Spread& spread) {
  uint64_t sum = 0;
  for (const auto& q : spread.per_rx_queue) sum += q.packets;
  return sum;
}

// The queue `name` when it has samples, else null.
const reports::Queue* queue(const Trial& t, const std::string& name) {
  auto it = t.queues.find(name);
  return it == t.queues.end() ? nullptr : std::get_if<reports::Queue>(&it->second);
}

// Pure logic, but parse_softnet_backlog is in pb_probes (which links libbpf), so it stays with
// the family's tests rather than in tests/unit.
TEST(SoftnetBacklogTest, ParsesByColumnCount) {
  // 13+ columns: column 12 is the backlog (hex).
  auto r = parse_softnet_backlog("00000010 00000000 00000001 00000000 00000000 00000000 00000000 00000000 "
                                 "00000000 00000002 00000000 0000001f 00000000 0000001c 00000003\n"
                                 "00000010 00000000 00000001 00000000 00000000 00000000 00000000 00000000 "
                                 "00000000 00000002 00000000 00000000 00000001 00000000 00000000\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (std::vector<uint64_t>{0x1f, 0}));
  // 11 columns (before 5.10): no backlog column.
  EXPECT_FALSE(parse_softnet_backlog("1 0 0 0 0 0 0 0 0 0 0\n").has_value());
  EXPECT_THROW(parse_softnet_backlog("1 0 0 0 0 0 0 0 0 0 0 zz 0\n"), std::runtime_error);
}

TEST(SpreadQueuesTest, BothQueuesNoRpsSocketFill) {
  SKIP_UNLESS_ABLE();
  Probed p;
  EXPECT_EQ(p.spread.name(), "spread");
  EXPECT_EQ(p.queues.name(), "queues");
  for (const auto& u : p.spread.programs().unavailable) std::cout << "spread unavailable " << u.name << ": " << u.reason << "\n";
  EXPECT_FALSE(p.spread.programs().active.empty());
  EXPECT_FALSE(p.spread.programs().prog_fds.empty());
  NetnsSysfs sysfs(p.rig.dut_netns());
  for (unsigned q = 0; q < kQueues; ++q)
    EXPECT_EQ(std::stoul(core::read_file(sysfs.path("class/net/" + std::string(kDutIf) + "/queues/rx-" +
                                                    std::to_string(q) + "/rps_cpus")),
                         nullptr, 16),
              0u);

  Trial t = p.trial();
  ASSERT_GT(t.delivered, 0u);
  const auto& per_q = t.spread.per_rx_queue;
  ASSERT_EQ(per_q.size(), kQueues);
  EXPECT_GT(per_q[0].packets, 0u);
  EXPECT_GT(per_q[1].packets, 0u);
  // Births are counted per skb handed to the stack and veth counts rx_packets per skb it
  // polls, so they agree up to packets that arrived between begin_trial() and the first
  // counter snapshot (the IPv6 chatter of a fresh link, none in practice).
  uint64_t births = queue_sum(t.spread) + t.spread.rx_queue_unrecorded.value_or(0);
  EXPECT_NEAR(double(births), double(t.dut_rx_packets), 2.0 + 0.001 * double(t.dut_rx_packets));
  EXPECT_EQ(t.spread.rx_queue_unrecorded, 0u);
  EXPECT_EQ(t.spread.rps_moved, 0u);
  ASSERT_TRUE(t.spread.napi.has_value());
  EXPECT_GT(t.spread.napi->polls, 0u);
  EXPECT_TRUE(t.spread.imbalance.jain.has_value());

  const reports::Queue* rmem = queue(t, "socket_rmem");
  ASSERT_TRUE(rmem);
  EXPECT_GT(rmem->count, 0u);
  EXPECT_GT(rmem->max, 0u);
  EXPECT_GE(rmem->series.size(), 10u);
  ASSERT_TRUE(queue(t, "socket_rmem_permille"));
  // veth's default qdisc is noqueue: nothing is ever enqueued.
  ASSERT_TRUE(t.queues.count("qdisc_qlen") && !queue(t, "qdisc_qlen"));
  EXPECT_TRUE(t.queues.count("softnet_backlog"));
}

TEST(SpreadQueuesTest, RpsMovesPackets) {
  SKIP_UNLESS_ABLE();
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) GTEST_SKIP() << "RPS to another CPU needs 2 CPUs";
  Probed p;
  NetnsSysfs sysfs(p.rig.dut_netns());
  {
    // The host's sysfs never shows the DUT's veth, not even from a thread inside the netns.
    core::NetnsGuard in(p.rig.dut_netns());
    EXPECT_NE(access(("/sys/class/net/" + std::string(kDutIf)).c_str(), F_OK), 0);
  }
  std::vector<std::unique_ptr<core::SysfsGuard>> rps;
  for (unsigned q = 0; q < kQueues; ++q)
    rps.push_back(std::make_unique<core::SysfsGuard>(
        sysfs.path("class/net/" + std::string(kDutIf) + "/queues/rx-" + std::to_string(q) + "/rps_cpus"), "3"));
  Trial t = p.trial();
  ASSERT_GT(t.delivered, 0u);
  EXPECT_GT(t.spread.rps_moved.value_or(0), 0u);
  rps.clear();
  Trial off = p.trial();
  EXPECT_EQ(off.spread.rps_moved, 0u);
}

TEST(SpreadQueuesTest, TinyRcvbufFillsSocket) {
  SKIP_UNLESS_ABLE();
  Probed p;
  Trial t = p.trial(4096);
  const reports::Queue* pmp = queue(t, "socket_rmem_permille");
  ASSERT_TRUE(pmp);
  const reports::Queue& pm = *pmp;
  // SO_RCVBUFFORCE 4096 gives sk_rcvbuf 8192, and UDP admits a datagram only while
  // rmem + truesize <= rcvbuf: with truesize T the fullest queue is floor(8192/T)*T, e.g.
  // 9 * 832 = 7488 = 914 permille. The sink reads fast, so the queue touches full
  // (max) rather than sitting there (p99).
  EXPECT_GE(pm.max, 800u);
  EXPECT_LE(pm.max, 1000u);
  EXPECT_GE(pm.p99, 300u);
}

TEST(SpreadQueuesTest, TbfQueueHasDepth) {
  SKIP_UNLESS_ABLE();
  Probed p;
  ASSERT_EQ(p.rig.tc("qdisc add dev " + std::string(kTgIf) + " root tbf rate 20mbit burst 16k latency 100ms"), 0);
  Trial t = p.trial();
  const reports::Queue* q = queue(t, "qdisc_qlen");
  ASSERT_TRUE(q);
  EXPECT_GT(q->count, 0u);
  EXPECT_GT(q->max, 1u);
  EXPECT_GE(q->series.size(), 10u);
}

}  // namespace
}  // namespace pb::probes
