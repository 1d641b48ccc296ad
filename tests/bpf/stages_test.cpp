// StagesProbe on throwaway netns pairs joined by veth (GRO on at the DUT end): tagged UDP at
// 20 kpps must fill every RX stage and the non-qdisc TX stages with sane numbers, the qdisc
// stages must be absent on veth's default noqueue and present under tbf, and traffic in a
// namespace pair outside the scope must add nothing.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "bench/core/unique_fd.h"
#include "bench/host/state.h"
#include "bench/host/topology_veth.h"
#include "bench/traffic/udp_generator.h"
#include "bench/traffic/udp_sink.h"
#include "kernel_probes/stages_probe.h"
#include "kernel_probes/window_sampler.h"

namespace pb::probes {
namespace {

using host::VethTopology;
constexpr const char* kTgIf = host::VethTopology::kTgIf;
constexpr const char* kDutIp = host::VethTopology::kDutIp;
constexpr unsigned kFlows = 4;
constexpr uint64_t kRate = 20000;

// The project's veth topology (netns pair, static neighbours, IPv6 off, GRO on at the DUT)
// with one queue, owned by its own run state.
struct Pair {
  host::RunState state;
  host::VethTopology topo;

  explicit Pair(const std::string& suffix)
      : state(host::new_run_id()), topo(state, host::VethTopologyConfig{1, suffix}) {}

  ProbeScope scope() const {
    return ProbeScope{topo.dut_netns_inode(), topo.tg_netns_inode(), topo.dut_ifindex(), topo.tg_ifindex(), 1};
  }

  // `tc` on the TG link (test-only shell-out); returns the exit status.
  int tc(const std::string& args) const {
    std::string cmd = "ip netns exec " + topo.tg_netns_name() + " tc qdisc " + args + " >/dev/null 2>&1";
    return std::system(cmd.c_str());
  }

  struct Traffic {
    core::TxResult tx;
    traffic::UdpSinkResult rx;
  };
  // 1 s of tagged UDP at 20 kpps from the TG to a sink on the DUT.
  Traffic send(double duration_s = 1.0) const {
    traffic::UdpSinkConfig sc;
    sc.netns_fd = topo.dut_netns();
    sc.bind_ip = kDutIp;
    sc.port = host::VethTopology::kDutPort;
    sc.expected_flows = kFlows;
    traffic::UdpSink sink(sc);
    sink.start();
    traffic::UdpGeneratorConfig g;
    g.netns_fd = topo.tg_netns();
    g.src_ip = host::VethTopology::kTgIp;
    g.dst_ip = kDutIp;
    g.dst_port = host::VethTopology::kDutPort;
    g.src_port_base = host::VethTopology::kTgPortBase;
    g.flows = kFlows;
    g.frame_size = 128;
    g.rate_pps = kRate;
    g.duration_s = duration_s;
    traffic::UdpGenerator gen(g);
    std::atomic<bool> stop{false};
    Traffic t;
    t.tx = gen.run(stop);
    t.rx = sink.stop(true);
    return t;
  }
};

bool has_samples(const nlohmann::json& stage) { return stage.contains("count") && stage["count"].get<uint64_t>() > 0; }

void expect_sane(const nlohmann::json& st, const std::string& name, uint64_t sent) {
  ASSERT_TRUE(has_samples(st)) << name << ": " << st.dump();
  uint64_t count = st["count"];
  EXPECT_LE(count, sent) << name;
  uint64_t min = st["min"], p50 = st["p50"], p90 = st["p90"], p99 = st["p99"], p999 = st["p999"], max = st["max"];
  EXPECT_GT(p50, 0u) << name;
  EXPECT_LE(min, p50) << name;
  EXPECT_LE(p50, p90) << name;
  EXPECT_LE(p90, p99) << name;
  EXPECT_LE(p99, p999) << name;
  EXPECT_LE(p999, max) << name;
}

// Prints run_time_ns / run_cnt of every attached program (stats must be enabled).
void print_costs(const StagesProbe& probe) {
  for (int fd : probe.programs().prog_fds) {
    bpf_prog_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) continue;
    if (!info.run_cnt) {
      std::cout << "  cost " << info.name << ": not run\n";
      continue;
    }
    std::cout << "  cost " << info.name << ": " << info.run_cnt << " runs, "
              << info.run_time_ns / info.run_cnt << " ns/run\n";
  }
}

void print_stages(const nlohmann::json& stages) {
  for (const auto& [name, st] : stages.items()) {
    if (has_samples(st))
      std::cout << "  " << name << ": n=" << st["count"] << " p50=" << st["p50"] << " p99=" << st["p99"] << " ns\n";
    else
      std::cout << "  " << name << ": " << st.dump() << "\n";
  }
}

class StagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (netns, veth, BPF tracing)";
    pair_ = std::make_unique<Pair>("stg");
  }
  void TearDown() override {
    if (pair_) pair_->tc("del dev " + std::string(kTgIf) + " root");
    pair_.reset();
  }
  std::unique_ptr<Pair> pair_;
};

// Always attached: every packet is timed, so the stage counts match the traffic.
TEST_F(StagesTest, RxAndTxStagesOnNoqueueVeth) {
  // BPF_ENABLE_STATS: run_time_ns is counted while this fd is open (no sysctl to restore).
  core::UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
  StagesProbe probe(pair_->scope());
  WindowSampler always(1, 1, {&probe});
  EXPECT_TRUE(probe.programs().unavailable.empty());
  for (const auto& u : probe.programs().unavailable) std::cout << "unavailable " << u.name << ": " << u.reason << "\n";

  probe.begin_trial();
  Pair::Traffic t = pair_->send();
  nlohmann::json st = probe.end_trial();
  std::cout << "sent " << t.tx.sent << " delivered " << t.rx.delivered << " e2e p50 " << t.rx.latency.percentile(50)
            << " p99 " << t.rx.latency.percentile(99) << " ns\n";
  print_stages(st);
  if (stats.get() >= 0) print_costs(probe);
  else std::cout << "  (BPF_ENABLE_STATS refused: no cost figures)\n";

  ASSERT_GT(t.tx.sent, 0u);
  ASSERT_GT(t.rx.delivered, 0u);
  uint64_t rx_median_sum = 0;
  for (const char* s : {"rx_birth_to_netif_receive", "rx_netif_receive_to_data_ready", "rx_data_ready_to_recv"}) {
    expect_sane(st[s], s, t.tx.sent);
    if (has_samples(st[s])) rx_median_sum += st[s]["p50"].get<uint64_t>();
  }
  EXPECT_LE(double(rx_median_sum), 1.5 * double(t.rx.latency.percentile(50)));
  for (const char* s : {"tx_send_to_dev_queue", "tx_dev_queue_to_start_xmit", "tx_start_xmit_to_xmit"})
    expect_sane(st[s], s, t.tx.sent);
  // Keyed by tag, every packet pairs up (a few may straddle the trial's edges).
  for (const char* s : {"rx_birth_to_netif_receive", "rx_netif_receive_to_data_ready", "tx_dev_queue_to_start_xmit"}) {
    if (has_samples(st[s])) {
      EXPECT_GE(double(st[s]["count"].get<uint64_t>()), 0.99 * double(t.tx.sent)) << s;
    }
  }
  for (const char* s : {"tx_dev_queue_to_qdisc_enqueue", "tx_qdisc_sojourn", "tx_qdisc_dequeue_to_start_xmit"}) {
    ASSERT_TRUE(st[s].contains("absent")) << s << ": " << st[s].dump();
    EXPECT_NE(st[s]["absent"].get<std::string>().find("noqueue"), std::string::npos) << st[s].dump();
  }
}

// Sampled: attached 50 ms of every 500 ms, so about a tenth of the packets are timed.
TEST_F(StagesTest, SampledWindows) {
  core::UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
  StagesProbe probe(pair_->scope());
  WindowSampler windows(50, 500, {&probe});
  probe.begin_trial();
  windows.start();
  Pair::Traffic t = pair_->send();
  windows.stop();
  nlohmann::json st = probe.end_trial();
  std::cout << "sampled: sent " << t.tx.sent << " e2e p50 " << t.rx.latency.percentile(50) << " ns\n";
  print_stages(st);
  if (stats.get() >= 0) print_costs(probe);
  ASSERT_GT(t.tx.sent, 0u);
  for (const char* s : {"rx_birth_to_netif_receive", "rx_netif_receive_to_data_ready", "rx_data_ready_to_recv",
                        "tx_send_to_dev_queue", "tx_dev_queue_to_start_xmit", "tx_start_xmit_to_xmit"}) {
    expect_sane(st[s], s, t.tx.sent);
    if (!has_samples(st[s])) continue;
    // Windows cover 10% of the time; attaching takes a little of each, a loaded host more.
    double share = double(st[s]["count"].get<uint64_t>()) / double(t.tx.sent);
    EXPECT_GT(share, 0.01) << s;
    EXPECT_LT(share, 0.3) << s;
  }
  EXPECT_NE(st["tx_qdisc_sojourn"].value("absent", "").find("noqueue"), std::string::npos) << st["tx_qdisc_sojourn"];
}

// The raw_tp twins (what a kernel without a tp_btf hook gets) measure the same stages.
TEST_F(StagesTest, RawTpTwins) {
  StagesProbe probe(pair_->scope(), Flavour::kRawTp);
  WindowSampler always(1, 1, {&probe});
  for (const std::string& a : probe.programs().active)
    EXPECT_TRUE(a.rfind("raw_tp/", 0) == 0 || a.rfind("tracepoint/", 0) == 0) << a;
  EXPECT_TRUE(probe.programs().unavailable.empty());
  probe.begin_trial();
  Pair::Traffic t = pair_->send(0.5);
  nlohmann::json st = probe.end_trial();
  std::cout << "raw_tp:\n";
  print_stages(st);
  for (const char* s : {"rx_birth_to_netif_receive", "rx_netif_receive_to_data_ready", "rx_data_ready_to_recv",
                        "tx_send_to_dev_queue", "tx_dev_queue_to_start_xmit", "tx_start_xmit_to_xmit"})
    expect_sane(st[s], s, t.tx.sent);
  EXPECT_TRUE(st["tx_qdisc_sojourn"].contains("absent"));
}

TEST_F(StagesTest, OtherNamespacesAddNothing) {
  Pair other("stg-o");
  StagesProbe probe(pair_->scope());
  WindowSampler always(1, 1, {&probe});
  probe.begin_trial();
  Pair::Traffic t = other.send(0.5);
  nlohmann::json st = probe.end_trial();
  ASSERT_GT(t.rx.delivered, 0u);
  for (const auto& [name, s] : st.items()) EXPECT_TRUE(s.contains("absent")) << name << ": " << s.dump();

  // The same probe still sees its own pair afterwards.
  probe.begin_trial();
  Pair::Traffic mine = pair_->send(0.5);
  st = probe.end_trial();
  ASSERT_GT(mine.rx.delivered, 0u);
  EXPECT_TRUE(has_samples(st["rx_birth_to_netif_receive"])) << st.dump();
  EXPECT_LE(st["rx_birth_to_netif_receive"]["count"].get<uint64_t>(), mine.tx.sent);
}

TEST_F(StagesTest, TbfQdiscStagesHaveSamples) {
  if (pair_->tc("add dev " + std::string(kTgIf) + " root tbf rate 50mbit burst 32k latency 50ms") != 0)
    GTEST_SKIP() << "tc qdisc add ... tbf failed (no tc or no sch_tbf)";
  core::UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
  StagesProbe probe(pair_->scope());
  WindowSampler windows(50, 500, {&probe});
  probe.begin_trial();
  windows.start();
  Pair::Traffic t = pair_->send();
  windows.stop();
  nlohmann::json st = probe.end_trial();
  std::cout << "tbf: sent " << t.tx.sent << " delivered " << t.rx.delivered << " e2e p50 "
            << t.rx.latency.percentile(50) << " p99 " << t.rx.latency.percentile(99) << " ns\n";
  print_stages(st);
  if (stats.get() >= 0) print_costs(probe);
  for (const char* s : {"tx_dev_queue_to_qdisc_enqueue", "tx_qdisc_sojourn", "tx_qdisc_dequeue_to_start_xmit",
                        "tx_dev_queue_to_start_xmit"})
    expect_sane(st[s], s, t.tx.sent);
  // The whole T2 -> T5 contains the sojourn.
  if (has_samples(st["tx_qdisc_sojourn"]) && has_samples(st["tx_dev_queue_to_start_xmit"])) {
    EXPECT_LE(st["tx_qdisc_sojourn"]["p50"].get<uint64_t>(), st["tx_dev_queue_to_start_xmit"]["p50"].get<uint64_t>());
  }

  // Back to noqueue: the qdisc stages are absent again.
  ASSERT_EQ(pair_->tc("replace dev " + std::string(kTgIf) + " root noqueue"), 0);
  probe.begin_trial();
  pair_->send(0.3);
  st = probe.end_trial();
  for (const char* s : {"tx_dev_queue_to_qdisc_enqueue", "tx_qdisc_sojourn", "tx_qdisc_dequeue_to_start_xmit"})
    EXPECT_TRUE(st[s].contains("absent")) << s << ": " << st[s].dump();
  std::cout << "noqueue again: tx_qdisc_sojourn " << st["tx_qdisc_sojourn"].dump() << "\n";
}

}  // namespace
}  // namespace pb::probes
