// StagesProbe on throwaway netns pairs joined by veth (GRO on at the DUT end): tagged UDP at
// 20 kpps must fill every RX stage and the non-qdisc TX stages with sane numbers, the qdisc
// stages must be absent on veth's default noqueue and present under tbf, and traffic in a
// namespace pair outside the scope must add nothing.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <iostream>
#include <memory>
#include <string>

#include "bench/core/unique_fd.h"
#include "bench/host/topology_veth.h"
#include "kernel_probes/stages_probe.h"
#include "kernel_probes/window_sampler.h"
#include "tests/bpf/rig.h"

namespace pb::probes {
namespace {

constexpr const char* kTgIf = host::VethTopology::kTgIf;
constexpr unsigned kFlows = 4;
constexpr uint64_t kRate = 20000;

// Tagged UDP at 20 kpps for `duration_s` from the TG to a sink on the DUT.
test::Delivery send(const test::Rig& rig, double duration_s = 1.0) {
  return rig.send_to_sink({.flows = kFlows, .rate_pps = kRate, .duration_s = duration_s});
}

// The latency of stage `s`, or null when it is absent.
const reports::Latency* lat(const reports::Stages& st, const std::string& s) {
  auto it = st.find(s);
  return it == st.end() ? nullptr : std::get_if<reports::Latency>(&it->second);
}

// Why stage `s` is absent ("" when it has samples or is not there).
std::string absent(const reports::Stages& st, const std::string& s) {
  auto it = st.find(s);
  const auto* a = it == st.end() ? nullptr : std::get_if<reports::Absent>(&it->second);
  return a ? a->why : "";
}

bool has_samples(const reports::Stages& st, const std::string& s) { return lat(st, s) && lat(st, s)->count > 0; }

std::string show(const reports::Stages& st, const std::string& s) {
  if (const reports::Latency* l = lat(st, s))
    return "n=" + std::to_string(l->count) + " p50=" + std::to_string(l->p50) + " p99=" + std::to_string(l->p99);
  return "absent: " + absent(st, s);
}

void expect_sane(const reports::Stages& st, const std::string& name, uint64_t sent) {
  ASSERT_TRUE(has_samples(st, name)) << name << ": " << show(st, name);
  const reports::Latency& l = *lat(st, name);
  EXPECT_LE(l.count, sent) << name;
  EXPECT_GT(l.p50, 0u) << name;
  EXPECT_LE(l.min, l.p50) << name;
  EXPECT_LE(l.p50, l.p90) << name;
  EXPECT_LE(l.p90, l.p99) << name;
  EXPECT_LE(l.p99, l.p999) << name;
  EXPECT_LE(l.p999, l.max) << name;
}

// The stages of one trial.
reports::Stages end_trial(StagesProbe& probe) {
  reports::Trial t;
  probe.end_trial(t);
  return t.stages.value_or(reports::Stages{});
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

void print_stages(const reports::Stages& stages) {
  for (const auto& [name, st] : stages) std::cout << "  " << name << ": " << show(stages, name) << "\n";
}

// The project's veth topology (netns pair, static neighbours, IPv6 off, GRO on at the DUT)
// with one queue, owned by its own run state.
class StagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PB_SKIP_IF(test::needs_root("netns, veth, BPF tracing"));
    rig_ = std::make_unique<test::Rig>(1, "stg");
  }
  std::unique_ptr<test::Rig> rig_;
};

// Always attached: every packet is timed, so the stage counts match the traffic.
TEST_F(StagesTest, RxAndTxStagesOnNoqueueVeth) {
  // BPF_ENABLE_STATS: run_time_ns is counted while this fd is open (no sysctl to restore).
  core::UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
  StagesProbe probe(rig_->scope());
  WindowSampler always(1, 1, {&probe});
  EXPECT_TRUE(probe.programs().unavailable.empty());
  for (const auto& u : probe.programs().unavailable) std::cout << "unavailable " << u.name << ": " << u.reason << "\n";

  probe.begin_trial();
  test::Delivery t = send(*rig_);
  reports::Stages st = end_trial(probe);
  std::cout << "sent " << t.tx.sent << " delivered " << t.rx.delivered << " e2e p50 " << t.rx.latency.percentile(50)
            << " p99 " << t.rx.latency.percentile(99) << " ns\n";
  print_stages(st);
  if (stats.get() >= 0) print_costs(probe);
  else std::cout << "  (BPF_ENABLE_STATS refused: no cost figures)\n";

  ASSERT_GT(t.tx.sent, 0u);
  ASSERT_GT(t.rx.delivered, 0u);
  uint64_t rx_median_sum = 0;
  for (const char* s : {"rx_birth_to_netif_receive", "rx_netif_receive_to_data_ready", "rx_data_ready_to_recv"}) {
    expect_sane(st, s, t.tx.sent);
    if (has_samples(st, s)) rx_median_sum += lat(st, s)->p50;
  }
  EXPECT_LE(double(rx_median_sum), 1.5 * double(t.rx.latency.percentile(50)));
  for (const char* s : {"tx_send_to_dev_queue", "tx_dev_queue_to_start_xmit", "tx_start_xmit_to_xmit"})
    expect_sane(st, s, t.tx.sent);
  // Keyed by tag, every packet pairs up (a few may straddle the trial's edges).
  for (const char* s : {"rx_birth_to_netif_receive", "rx_netif_receive_to_data_ready", "tx_dev_queue_to_start_xmit"}) {
    if (has_samples(st, s)) {
      EXPECT_GE(double(lat(st, s)->count), 0.99 * double(t.tx.sent)) << s;
    }
  }
  for (const char* s : {"tx_dev_queue_to_qdisc_enqueue", "tx_qdisc_sojourn", "tx_qdisc_dequeue_to_start_xmit"}) {
    ASSERT_FALSE(absent(st, s).empty()) << s << ": " << show(st, s);
    EXPECT_NE(absent(st, s).find("noqueue"), std::string::npos) << show(st, s);
  }
}

// Sampled: attached 50 ms of every 500 ms, so about a tenth of the packets are timed.
TEST_F(StagesTest, SampledWindows) {
  core::UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
  StagesProbe probe(rig_->scope());
  WindowSampler windows(50, 500, {&probe});
  probe.begin_trial();
  windows.start();
  test::Delivery t = send(*rig_);
  windows.stop();
  reports::Stages st = end_trial(probe);
  std::cout << "sampled: sent " << t.tx.sent << " e2e p50 " << t.rx.latency.percentile(50) << " ns\n";
  print_stages(st);
  if (stats.get() >= 0) print_costs(probe);
  ASSERT_GT(t.tx.sent, 0u);
  for (const char* s : {"rx_birth_to_netif_receive", "rx_netif_receive_to_data_ready", "rx_data_ready_to_recv",
                        "tx_send_to_dev_queue", "tx_dev_queue_to_start_xmit", "tx_start_xmit_to_xmit"}) {
    expect_sane(st, s, t.tx.sent);
    if (!has_samples(st, s)) continue;
    // Windows cover 10% of the time; attaching takes a little of each, a loaded host more.
    double share = double(lat(st, s)->count) / double(t.tx.sent);
    EXPECT_GT(share, 0.01) << s;
    EXPECT_LT(share, 0.3) << s;
  }
  EXPECT_NE(absent(st, "tx_qdisc_sojourn").find("noqueue"), std::string::npos) << show(st, "tx_qdisc_sojourn");
}

// The raw_tp twins (what a kernel without a tp_btf hook gets) measure the same stages.
TEST_F(StagesTest, RawTpTwins) {
  StagesProbe probe(rig_->scope(), Flavour::kRawTp);
  WindowSampler always(1, 1, {&probe});
  for (const std::string& a : probe.programs().active)
    EXPECT_TRUE(a.rfind("raw_tp/", 0) == 0 || a.rfind("tracepoint/", 0) == 0) << a;
  EXPECT_TRUE(probe.programs().unavailable.empty());
  probe.begin_trial();
  test::Delivery t = send(*rig_, 0.5);
  reports::Stages st = end_trial(probe);
  std::cout << "raw_tp:\n";
  print_stages(st);
  for (const char* s : {"rx_birth_to_netif_receive", "rx_netif_receive_to_data_ready", "rx_data_ready_to_recv",
                        "tx_send_to_dev_queue", "tx_dev_queue_to_start_xmit", "tx_start_xmit_to_xmit"})
    expect_sane(st, s, t.tx.sent);
  EXPECT_FALSE(absent(st, "tx_qdisc_sojourn").empty());
}

TEST_F(StagesTest, OtherNamespacesAddNothing) {
  test::Rig other(1, "stg-o");
  StagesProbe probe(rig_->scope());
  WindowSampler always(1, 1, {&probe});
  probe.begin_trial();
  test::Delivery t = send(other, 0.5);
  reports::Stages st = end_trial(probe);
  ASSERT_GT(t.rx.delivered, 0u);
  for (const auto& [name, s] : st) EXPECT_FALSE(absent(st, name).empty()) << name << ": " << show(st, name);

  // The same probe still sees its own pair afterwards.
  probe.begin_trial();
  test::Delivery mine = send(*rig_, 0.5);
  st = end_trial(probe);
  ASSERT_GT(mine.rx.delivered, 0u);
  ASSERT_TRUE(has_samples(st, "rx_birth_to_netif_receive")) << show(st, "rx_birth_to_netif_receive");
  EXPECT_LE(lat(st, "rx_birth_to_netif_receive")->count, mine.tx.sent);
}

TEST_F(StagesTest, TbfQdiscStagesHaveSamples) {
  // tc and sch_tbf are dependencies of the project (iproute2, Debian's kernel): a failure
  // here is a failure, not a skip.
  ASSERT_EQ(rig_->tc("qdisc add dev " + std::string(kTgIf) + " root tbf rate 50mbit burst 32k latency 50ms"), 0);
  core::UniqueFd stats(bpf_enable_stats(BPF_STATS_RUN_TIME));
  StagesProbe probe(rig_->scope());
  WindowSampler windows(50, 500, {&probe});
  probe.begin_trial();
  windows.start();
  test::Delivery t = send(*rig_);
  windows.stop();
  reports::Stages st = end_trial(probe);
  std::cout << "tbf: sent " << t.tx.sent << " delivered " << t.rx.delivered << " e2e p50 "
            << t.rx.latency.percentile(50) << " p99 " << t.rx.latency.percentile(99) << " ns\n";
  print_stages(st);
  if (stats.get() >= 0) print_costs(probe);
  for (const char* s : {"tx_dev_queue_to_qdisc_enqueue", "tx_qdisc_sojourn", "tx_qdisc_dequeue_to_start_xmit",
                        "tx_dev_queue_to_start_xmit"})
    expect_sane(st, s, t.tx.sent);
  // The whole T2 -> T5 contains the sojourn.
  if (has_samples(st, "tx_qdisc_sojourn") && has_samples(st, "tx_dev_queue_to_start_xmit")) {
    EXPECT_LE(lat(st, "tx_qdisc_sojourn")->p50, lat(st, "tx_dev_queue_to_start_xmit")->p50);
  }

  // Back to noqueue: the qdisc stages are absent again.
  ASSERT_EQ(rig_->tc("qdisc replace dev " + std::string(kTgIf) + " root noqueue"), 0);
  probe.begin_trial();
  send(*rig_, 0.3);
  st = end_trial(probe);
  for (const char* s : {"tx_dev_queue_to_qdisc_enqueue", "tx_qdisc_sojourn", "tx_qdisc_dequeue_to_start_xmit"})
    EXPECT_FALSE(absent(st, s).empty()) << s << ": " << show(st, s);
  std::cout << "noqueue again: tx_qdisc_sojourn " << show(st, "tx_qdisc_sojourn") << "\n";
}

}  // namespace
}  // namespace pb::probes
