// HookSet's three attach flavours on real drops: the drops family loaded as this kernel
// takes it (tp_btf), and forced onto its raw_tp twins and the classic tracepoint (what an
// older kernel or one without BTF gets) counts the same UDP datagrams to a closed port as
// NO_SOCKET drops in the DUT netns, and nothing of another namespace.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>

#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"
#include "bench/host/state.h"
#include "bench/host/topology_veth.h"
#include "kernel_probes/sock_drops_probe.h"

namespace pb::probes {
namespace {

using host::VethTopology;

std::string cannot_run() {
  if (geteuid() != 0) return "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN)";
  try {
    SockDropsProbe p(0, 0);
  } catch (const std::system_error& e) {
    if (e.code().value() == EPERM) return std::string("cannot load BPF programs here: ") + e.what();
  }
  return {};
}

// Sends n datagrams from the TG netns to a port nobody listens on in the DUT netns.
void send_to_closed_port(const host::VethTopology& topo, unsigned n) {
  core::NetnsGuard in_tg(topo.tg_netns());
  core::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ASSERT_GE(fd.get(), 0);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(7);
  ASSERT_EQ(inet_pton(AF_INET, host::VethTopology::kDutIp, &dst.sin_addr), 1);
  char payload[32] = {};
  for (unsigned i = 0; i < n; ++i) {
    ASSERT_EQ(::sendto(fd.get(), payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&dst), sizeof dst),
              ssize_t(sizeof payload));
    if (i % 64 == 63) usleep(1000);  // paced: a burst is not what this test is about
  }
}

uint64_t no_socket_drops(const SockDropsReading& r) {
  uint64_t n = 0;
  for (const auto& d : r.drops)
    if (d.side == "dut" && d.reason == "NO_SOCKET") n += d.count;
  return n;
}

class HookFlavours : public ::testing::TestWithParam<Flavour> {};

TEST_P(HookFlavours, DropsFamilyCountsClosedPortDatagrams) {
  static const std::string reason = cannot_run();
  if (!reason.empty()) GTEST_SKIP() << reason;
  host::RunState state{host::new_run_id()};
  host::VethTopology topo{state, host::VethTopologyConfig{1, "hkf"}};
  host::VethTopology other{state, host::VethTopologyConfig{1, "hko"}};

  const Flavour first = GetParam();
  SockDropsProbe probe(topo.dut_netns_inode(), topo.tg_netns_inode(), {.drops = true, .delivery = false, .first = first});
  const char* prefix = first == Flavour::kTpBtf ? "tp_btf/" : first == Flavour::kRawTp ? "raw_tp/" : "tracepoint/";
  const auto& active = probe.programs().active;
  for (const auto& u : probe.programs().unavailable) std::cout << "unavailable " << u.name << ": " << u.reason << "\n";
  auto kfree = std::find_if(active.begin(), active.end(),
                            [](const std::string& a) { return a.find("kfree_skb") != std::string::npos; });
  ASSERT_NE(kfree, active.end()) << "kfree_skb not hooked";
  EXPECT_EQ(kfree->rfind(prefix, 0), 0u) << *kfree;
  for (const auto& a : active) EXPECT_EQ(a.rfind(prefix, 0), 0u) << a;

  const uint64_t before = no_socket_drops(probe.read());
  constexpr unsigned kDatagrams = 500;
  send_to_closed_port(topo, kDatagrams);
  send_to_closed_port(other, kDatagrams);  // another namespace pair: must not count
  usleep(20000);
  const uint64_t counted = no_socket_drops(probe.read()) - before;
  std::cout << *kfree << ": NO_SOCKET " << counted << " of " << kDatagrams << "\n";
  EXPECT_EQ(counted, kDatagrams);
}

INSTANTIATE_TEST_SUITE_P(AllFlavours, HookFlavours,
                         ::testing::Values(Flavour::kTpBtf, Flavour::kRawTp, Flavour::kTracepoint),
                         [](const ::testing::TestParamInfo<Flavour>& i) {
                           return i.param == Flavour::kTpBtf ? "tp_btf" : i.param == Flavour::kRawTp ? "raw_tp" : "tracepoint";
                         });

}  // namespace
}  // namespace pb::probes
