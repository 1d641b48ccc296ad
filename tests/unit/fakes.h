// Fakes of the core interfaces (topology, generator, receiver, probe session), scripted by
// the test: the trial loop, its ledger, unsent handling, accounts_for and overhead pairing
// run without root, namespaces or BPF. Unit tests only; integration tests use the real ones.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bench/core/probe_session.h"
#include "bench/core/topology.h"
#include "bench/core/traffic.h"
#include "bench/traffic/generators.h"

namespace pb::fakes {

// Sets one counter of a delta (`group` under snmp, or under link when it names an interface).
inline void set_snmp(reports::CounterDelta& d, const std::string& group, const std::string& name, int64_t v) {
  d.groups.snmp[group][name] = v;
}
inline void set_link(reports::CounterDelta& d, const std::string& ifname, const std::string& name, int64_t v) {
  d.groups.link[ifname][name] = v;
}

// A topology without namespaces; every counter watch reports `counters`.
class FakeTopology final : public core::Topology {
 public:
  reports::ScenarioCounters counters;
  mutable unsigned watches = 0;

  int tg_netns() const override { return -1; }
  int dut_netns() const override { return -1; }
  uint32_t tg_netns_inode() const override { return 1; }
  uint32_t dut_netns_inode() const override { return 2; }
  const std::string& tg_netns_name() const override { return tg_ns_; }
  const std::string& dut_netns_name() const override { return dut_ns_; }
  const std::string& tg_if() const override { return tg_if_; }
  const std::string& dut_if() const override { return dut_if_; }
  int tg_ifindex() const override { return 10; }
  int dut_ifindex() const override { return 11; }
  int redirect_ifindex() const override { return 0; }
  int redirect_peer_ifindex() const override { return 0; }
  unsigned queues() const override { return 2; }
  const std::string& dut_ip() const override { return dut_ip_; }
  uint16_t dut_port() const override { return 9; }
  core::TrafficEndpoints endpoints() const override { return {-1, tg_if_, "198.18.0.1", dut_ip_, {}, 9, 10000}; }
  std::unique_ptr<core::CounterWatch> watch_counters(core::CounterScope) const override {
    ++watches;
    return std::make_unique<Watch>(counters);
  }

 private:
  struct Watch final : core::CounterWatch {
    explicit Watch(reports::ScenarioCounters c) : c_(std::move(c)) {}
    reports::ScenarioCounters delta() const override { return c_; }
    reports::ScenarioCounters c_;
  };
  std::string tg_ns_ = "pb-tg-fake", dut_ns_ = "pb-dut-fake", tg_if_ = "pb-tg0", dut_if_ = "pb-dut0";
  std::string dut_ip_ = "198.18.0.2";
};

// What the fake generator sends, and what it was asked. A GeneratorKind is a plain function
// pointer, so the script is one per process: each test resets it.
struct GeneratorScript {
  core::TxResult tx;                              // every run's result...
  uint64_t (*sent_now)() = nullptr;               // ...with `sent` from here when set
  std::vector<core::TrialRequest> requests;       // every trial's request, in order
};
inline GeneratorScript& generator_script() {
  static GeneratorScript s;
  return s;
}

class FakeGenerator final : public core::Generator {
 public:
  core::TxResult run(std::atomic<bool>&) override {
    core::TxResult tx = generator_script().tx;
    if (generator_script().sent_now) tx.sent = generator_script().sent_now();
    if (tx.elapsed_s > 0) tx.achieved_pps = double(tx.sent) / tx.elapsed_s;
    return tx;
  }
};

inline const traffic::GeneratorKind kFakeGenerator{
    "fake", "scripted by the test", [](const core::TrafficEndpoints&, const core::TrialRequest& req) {
      generator_script().requests.push_back(req);
      return std::unique_ptr<core::Generator>(std::make_unique<FakeGenerator>());
    }};

// A receiver that reports `rx` for every trial: delivered = tx.sent - `lose` unless
// `rx.delivered` is set; it accounts for the drops whose reason is in `accounted`.
class FakeReceiver final : public core::Receiver {
 public:
  core::RxResult rx;
  uint64_t lose = 0;
  std::set<std::string> accounted;
  std::vector<int> polling;
  unsigned begun = 0, ended = 0;

  void begin_trial(const core::TrialRequest&) override { ++begun; }
  core::RxResult end_trial(const core::TxResult& tx) override {
    ++ended;
    core::RxResult r = rx;
    if (!r.delivered) r.delivered = tx.sent - lose;
    return r;
  }
  bool accounts_for(const core::AttributedDrop& drop) const override { return accounted.count(drop.reason) > 0; }
  std::vector<int> polling_cpus() const override { return polling; }
  std::vector<std::string> own_programs() const override { return {"fake:receiver"}; }
};

// Probe sessions that see `drops` every trial (filtered through the receiver's accounts_for
// as the real ProbeSet does), and report a BPF cost when opened with run-time stats.
class FakeProbes final : public core::ProbeSessionFactory {
 public:
  std::vector<core::AttributedDrop> drops;
  bool saw_kfree_skb = true;
  // Every open(), in order: whether it asked for run-time stats.
  mutable std::vector<bool> opened;
  // Sessions alive right now (a path detaches probes by dropping its session).
  mutable int alive = 0;

  bool empty() const override { return false; }
  std::unique_ptr<core::ProbeSession> open(const core::Topology&, const core::ProbeSessionOptions& o) const override {
    opened.push_back(o.run_time_stats);
    return std::make_unique<Session>(*this, o.run_time_stats);
  }

 private:
  class Session final : public core::ProbeSession {
   public:
    Session(const FakeProbes& f, bool stats) : f_(f), stats_(stats) { ++f_.alive; }
    ~Session() override { --f_.alive; }
    reports::Probes status() const override {
      reports::Probes p;
      p.active = {"drops:fake"};
      return p;
    }
    void begin_trial() override { ++trials_; }
    core::ProbeReading end_trial(const core::Receiver* receiver, reports::Trial&) override {
      core::ProbeReading r;
      for (const core::AttributedDrop& d : f_.drops) core::add_unless_accounted(r.drops, receiver, d);
      r.saw_kfree_skb = f_.saw_kfree_skb;
      return r;
    }
    reports::Nullable<reports::BpfCost> bpf_stats() const override {
      if (!stats_) return {};
      reports::BpfCost c;
      c.programs.push_back({"fake_prog", 100u * trials_, 5000u * trials_, 50.0});
      c.run_cnt = 100u * trials_;
      c.run_time_ns = 5000u * trials_;
      return c;
    }

   private:
    const FakeProbes& f_;
    bool stats_;
    unsigned trials_ = 0;
  };
};

}  // namespace pb::fakes
