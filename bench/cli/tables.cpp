#include "bench/cli/tables.h"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "bench/core/errors.h"
#include "bench/paths/packet_path.h"
#include "bench/paths/tcp_path.h"
#include "bench/traffic/udp_receiver.h"
#include "dpdk/dpdk_receiver.h"
#include "pb_config.h"
#if PB_HAVE_XDP
#include "xdp/live_generator.h"
#include "xdp/xdp_receivers.h"
#endif

namespace pb::cli {

namespace {

// Every path but kernel-tcp: a receiver under the shared packet trial loop.
std::unique_ptr<core::Path> packet_path(const PathContext& c, std::unique_ptr<core::Receiver> receiver) {
  core::TrafficEndpoints ep = c.topo.endpoints();
  ep.dut_port = uint16_t(c.spec.dst_port);
  return std::make_unique<paths::PacketPath>(c.topo, c.generator, ep, std::move(receiver), c.probes);
}

std::unique_ptr<core::Path> kernel_udp(const PathContext& c) {
  return packet_path(c, std::make_unique<traffic::UdpSocketReceiver>(c.topo, c.spec.queues, int(c.spec.rcvbuf)));
}

std::unique_ptr<core::Path> kernel_tcp(const PathContext& c) {
  return std::make_unique<paths::TcpPath>(c.topo, paths::TcpPathConfig{c.spec.tcp_mode, c.spec.message_size},
                                          &c.probes);
}

std::unique_ptr<core::Path> dpdk_path(const PathContext& c) {
  return packet_path(c, std::make_unique<dpdk::DpdkReceiver>(
                            c.topo, dpdk::DpdkConfig{dpdk::find_dpdk_app(), c.spec.pmd, "", c.spec.dpdk_engine,
                                                     c.topo.queues()}));
}

// net_af_xdp binds to "combined" channels, and veth reports one however many queues it
// has: the dpdk/af_xdp path runs on a single queue (reported in the topology).
unsigned dpdk_queues(const suite::ScenarioSpec& s) { return s.pmd == core::DpdkPmd::kAfXdp ? 1 : s.queues; }

#if PB_HAVE_XDP
template <xdp::XdpVerdict V>
std::unique_ptr<core::Path> xdp_verdict(const PathContext& c) {
  return packet_path(c, std::make_unique<xdp::XdpVerdictReceiver>(c.topo, V, c.spec.xdp_mode, int(c.spec.rcvbuf)));
}

std::unique_ptr<core::Path> afxdp(const PathContext& c) {
  return packet_path(
      c, std::make_unique<xdp::AfxdpReceiver>(c.topo, c.spec.xdp_mode, c.spec.afxdp_mode, c.spec.busy_poll));
}
#else
std::unique_ptr<core::Path> no_xdp(const PathContext& c) {
  throw core::PathUnavailable(fmt::format("path '{}' is not in this build (XDP support off)", c.spec.path));
}
#endif

#if PB_HAVE_XDP
#define PB_XDP_PATH(fn) fn
#else
#define PB_XDP_PATH(fn) no_xdp
#endif

constexpr std::string_view kTcpKeys[] = {"tcp_mode", "message_size"};
constexpr std::string_view kAfxdpKeys[] = {"afxdp_mode", "busy_poll"};
constexpr std::string_view kDpdkKeys[] = {"pmd", "dpdk_engine"};

const std::array<PathRow, 8> kPaths{{
    {"kernel-udp", "UDP sockets, one SO_REUSEPORT recvmmsg sink per queue", "udp-socket", {}, false, nullptr,
     kernel_udp},
    {"kernel-tcp", "TCP stream or request/response (tcp_mode, message_size) into a server in the DUT netns",
     "udp-socket", kTcpKeys, false, nullptr, kernel_tcp},
    {"xdp-drop", "XDP_DROP on the DUT veth", "xdp-live", {}, false, nullptr,
     PB_XDP_PATH(xdp_verdict<xdp::XdpVerdict::kDrop>)},
    {"xdp-pass", "XDP_PASS, then the kernel-udp sockets", "xdp-live", {}, false, nullptr,
     PB_XDP_PATH(xdp_verdict<xdp::XdpVerdict::kPass>)},
    {"xdp-tx", "XDP_TX back to the TG, counted there", "xdp-live", {}, false, nullptr,
     PB_XDP_PATH(xdp_verdict<xdp::XdpVerdict::kTx>)},
    {"xdp-redirect", "devmap redirect to a second veth pair, counted where frames land", "xdp-live", {}, true, nullptr,
     PB_XDP_PATH(xdp_verdict<xdp::XdpVerdict::kRedirect>)},
    {"afxdp", "XSKMAP redirect into one AF_XDP socket per queue (afxdp_mode rxdrop or l2fwd, busy_poll)",
     "xdp-live", kAfxdpKeys, false, nullptr, PB_XDP_PATH(afxdp)},
    {"dpdk", "pathbench-dpdk on the DUT port (pmd af_xdp or af_packet; dpdk_engine rxonly, io or macswap)",
     "xdp-live", kDpdkKeys, false, dpdk_queues, dpdk_path},
}};

#undef PB_XDP_PATH

const std::vector<const traffic::GeneratorKind*>& generators() {
  static const std::vector<const traffic::GeneratorKind*> kinds = {
      &traffic::kUdpSocketGenerator,
#if PB_HAVE_XDP
      &xdp::kLiveGenerator,
#endif
      &traffic::kAfPacketGenerator,
  };
  return kinds;
}

}  // namespace

const PathRow& find_path(std::string_view name) {
  std::vector<std::string_view> names;
  for (const PathRow& p : kPaths) {
    if (p.name == name) return p;
    names.push_back(p.name);
  }
  throw core::UsageError(fmt::format("path '{}' is not one of {}", name, fmt::join(names, ", ")));
}

suite::Catalog catalog() {
  suite::Catalog c;
  for (const PathRow& p : kPaths) c.paths.push_back({p.name, p.own_keys});
  for (const traffic::GeneratorKind* g : generators()) c.generators.push_back(g->name);
  return c;
}

std::string path_help() {
  std::string out;
  for (const PathRow& p : kPaths) out += fmt::format("\n  {:<13}{}", p.name, p.doc);
  return out;
}

std::span<const traffic::GeneratorKind* const> generator_table() { return generators(); }

const traffic::GeneratorKind* generator_named(std::string_view name) {
  for (const traffic::GeneratorKind* g : generators())
    if (g->name == name) return g;
  return nullptr;
}

const traffic::GeneratorKind& find_generator(std::string_view name) {
  if (const traffic::GeneratorKind* g = generator_named(name)) return *g;
  std::vector<std::string_view> names;
  for (const traffic::GeneratorKind* g : generators()) names.push_back(g->name);
  throw core::UsageError(
      fmt::format("generator '{}' is not in this build (it has: {})", name, fmt::join(names, ", ")));
}

}  // namespace pb::cli
