// What the BPF tests on real links stand on: the skip reasons they share (PB_SKIP_IF,
// needs_root, bpf_unavailable), Sandbox (a veth pair the test names itself, in throwaway pbt-*
// netns) and Rig (the project's veth topology with UDP traffic, a sink, tc and link counters).
// Everything they create goes when they do, also when an ASSERT ends the test early.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if_link.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "bench/core/errors.h"
#include "bench/core/netns.h"
#include "bench/core/rtnl.h"
#include "bench/core/traffic.h"
#include "bench/core/unique_fd.h"
#include "bench/core/veth.h"
#include "bench/host/state.h"
#include "bench/host/topology_veth.h"
#include "bench/traffic/udp_generator.h"
#include "bench/traffic/udp_sink.h"
#include "kernel_probes/probe_family.h"

// Skips the test with `reason` (a string expression, evaluated once per call site) unless it
// is empty.
#define PB_SKIP_IF(reason)                                         \
  do {                                                             \
    static const std::string pb_skip_reason_ = (reason);           \
    if (!pb_skip_reason_.empty()) GTEST_SKIP() << pb_skip_reason_; \
  } while (0)

namespace pb::test {

// "needs root (<what>)" unless this process runs as root, then "".
inline std::string needs_root(std::string_view what) {
  return geteuid() == 0 ? std::string() : "needs root (" + std::string(what) + ")";
}

// Which failures of a trial load say "this host cannot" rather than "our program is wrong".
enum class Refusal {
  kAnyError,    // every std::system_error
  kPermission,  // EPERM only: a program the verifier rejects (EACCES, EINVAL) must fail the tests
};

// Why a test that loads BPF programs cannot run here, or "": not root, or `load()` (which
// loads something of the family under test and drops it) threw a refusal.
template <typename Load>
std::string bpf_unavailable(std::string_view root_for, std::string_view what, Refusal refusal, Load&& load) {
  if (std::string why = needs_root(root_for); !why.empty()) return why;
  try {
    load();
  } catch (const std::system_error& e) {
    if (refusal == Refusal::kAnyError || e.code().value() == EPERM)
      return "cannot load " + std::string(what) + " here: " + e.what();
  }
  return {};
}

// A netns this host would not create (no /run/netns, a name taken): a reason to skip for the
// tests that say so.
class NetnsUnavailable : public std::system_error {
 public:
  explicit NetnsUnavailable(const std::system_error& e) : std::system_error(e.code(), e.what()) {}
};

// "pbt-<family>-<pid>[-<topic>]": unique to this test process, and told apart within it by topic.
inline std::string netns_name(std::string_view family, std::string_view topic = {}) {
  std::string name = "pbt-" + std::string(family) + "-" + std::to_string(getpid());
  if (!topic.empty()) name += "-" + std::string(topic);
  return name;
}

struct SandboxConfig {
  std::string family;        // what the netns names start with: pbt-<family>-<pid>
  std::string topic;         // tells apart the sandboxes of one test binary ("" if one only)
  core::VethEnd a, b;        // names and addresses; their netns_fd is filled in here
  unsigned queues = 1;
  bool two_netns = false;    // a in <name>-tg, b in <name>-dut; else both ends in <name>
  bool enter = false;        // the constructing thread stays in a's netns while the sandbox lives
};

// A veth pair named by the test (its assertions spell the names) in throwaway netns, no
// neighbours or sysctls of the project's topology.
class Sandbox {
 public:
  // Throws NetnsUnavailable when a netns cannot be made, std::system_error for the rest.
  explicit Sandbox(SandboxConfig cfg)
      : ns_a_(make_netns(netns_name(cfg.family, cfg.topic) + (cfg.two_netns ? "-tg" : ""))),
        ns_b_(cfg.two_netns ? std::optional<core::ScopedNetns>(make_netns(netns_name(cfg.family, cfg.topic) + "-dut"))
                            : std::nullopt),
        veth_(veth_config(cfg, ns_a_.fd(), ns_b_ ? ns_b_->fd() : ns_a_.fd())) {
    if (cfg.enter) guard_.emplace(ns_a_.fd());
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // a's netns, and b's (the same one without two_netns).
  const core::ScopedNetns& netns_a() const { return ns_a_; }
  const core::ScopedNetns& netns_b() const { return ns_b_ ? *ns_b_ : ns_a_; }
  const core::VethPair& veth() const { return veth_; }

 private:
  static core::ScopedNetns make_netns(const std::string& name) {
    try {
      return core::ScopedNetns(name);
    } catch (const std::system_error& e) {
      throw NetnsUnavailable(e);
    }
  }
  static core::VethConfig veth_config(SandboxConfig cfg, int netns_a, int netns_b) {
    cfg.a.netns_fd = netns_a;
    cfg.b.netns_fd = netns_b;
    return core::VethConfig{cfg.a, cfg.b, cfg.queues, 0};
  }

  // Destroyed in reverse: the thread leaves before the link and the netns go.
  core::ScopedNetns ns_a_;
  std::optional<core::ScopedNetns> ns_b_;
  core::VethPair veth_;
  std::optional<core::NetnsGuard> guard_;
};

// Tagged UDP from the TG end to the DUT's discard port, flow i from kTgPortBase + i.
struct UdpLoad {
  unsigned flows = 1;
  uint64_t rate_pps = 0;  // 0: as fast as possible
  double duration_s = 1.0;
  unsigned frame_size = 128;
};

// What the generator sent and the DUT's kernel UDP sink received.
struct Delivery {
  core::TxResult tx;
  traffic::UdpSinkResult rx;
};

// The project's veth topology (host::VethTopology: netns pb-<run>-<suffix>-tg and -dut, static
// neighbours, IPv6 off, GRO on at the DUT, TSO off at the TG) under a run state of its own.
class Rig {
 public:
  using Topo = host::VethTopology;

  // Throws std::system_error naming what could not be made (and undoes the rest).
  Rig(unsigned queues, std::string suffix) : state_(host::new_run_id()), topo_(state_, {queues, std::move(suffix)}) {}
  Rig(const Rig&) = delete;
  Rig& operator=(const Rig&) = delete;

  const host::VethTopology& topo() const { return topo_; }
  int tg_netns() const { return topo_.tg_netns(); }
  int dut_netns() const { return topo_.dut_netns(); }

  // Where the probes under test look: both netns, both ends, every queue.
  probes::ProbeScope scope() const {
    return probes::ProbeScope{topo_.dut_netns_inode(), topo_.tg_netns_inode(), topo_.dut_ifindex(),
                              topo_.tg_ifindex(), topo_.queues()};
  }

  // `tc ARGS` in the TG netns (a test-only shell-out; "qdisc add dev pb-tg0 ..."); its exit status.
  int tc(const std::string& args) const {
    std::string cmd = "ip netns exec " + topo_.tg_netns_name() + " tc " + args;
    return std::system(cmd.c_str());
  }

  // A generator for `load`, its sockets open and connected (nothing sent yet).
  traffic::UdpGenerator generator(const UdpLoad& load) const {
    traffic::UdpGeneratorConfig g;
    g.netns_fd = tg_netns();
    g.src_ip = Topo::kTgIp;
    g.dst_ip = Topo::kDutIp;
    g.dst_port = Topo::kDutPort;
    g.src_port_base = Topo::kTgPortBase;
    g.flows = load.flows;
    g.frame_size = load.frame_size;
    g.rate_pps = load.rate_pps;
    g.duration_s = load.duration_s;
    return traffic::UdpGenerator(g);
  }

  // Sends `load` to whatever listens (or nothing); blocks for its duration.
  core::TxResult send(const UdpLoad& load) const {
    traffic::UdpGenerator gen = generator(load);
    std::atomic<bool> stop{false};
    return gen.run(stop);
  }

  // A kernel UDP sink on the DUT's discard port for `expected_flows` flows.
  traffic::UdpSinkConfig sink_config(unsigned expected_flows, unsigned sockets = 1, int rcvbuf = 0) const {
    traffic::UdpSinkConfig s;
    s.netns_fd = dut_netns();
    s.bind_ip = Topo::kDutIp;
    s.port = Topo::kDutPort;
    s.sockets = sockets;
    s.rcvbuf = rcvbuf;
    s.expected_flows = expected_flows;
    return s;
  }

  // Starts a one-socket sink, sends `load` into it, drains it.
  Delivery send_to_sink(const UdpLoad& load) const {
    traffic::UdpSink sink(sink_config(load.flows));
    sink.start();
    Delivery d;
    d.tx = send(load);
    d.rx = sink.stop(true);
    return d;
  }

  // Sends `n` untagged 32-byte datagrams from the TG netns to `port` on the DUT, 64 at a time
  // a millisecond apart (paced: a burst is not what these tests are about); throws on a
  // failed send.
  void send_datagrams(unsigned n, uint16_t port) const {
    core::with_netns(tg_netns(), [&] {
      core::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      if (!fd) core::throw_errno("UDP socket in " + topo_.tg_netns_name());
      sockaddr_in dst{};
      dst.sin_family = AF_INET;
      dst.sin_port = htons(port);
      inet_pton(AF_INET, Topo::kDutIp, &dst.sin_addr);
      char payload[32] = {};
      for (unsigned i = 0; i < n; ++i) {
        if (::sendto(fd.get(), payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst) !=
            ssize_t(sizeof payload))
          core::throw_errno("send datagram " + std::to_string(i) + " to " + Topo::kDutIp);
        if (i % 64 == 63) usleep(1000);
      }
    });
  }

  // The DUT end's link counters now (rtnetlink IFLA_STATS64).
  rtnl_link_stats64 dut_link() const { return core::link_stats64(Topo::kDutIf, dut_netns()); }

 private:
  host::RunState state_;
  host::VethTopology topo_;
};

}  // namespace pb::test
