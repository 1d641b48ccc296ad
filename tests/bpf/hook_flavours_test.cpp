// HookSet's three attach flavours on real drops: the drops family loaded as this kernel
// takes it (tp_btf), and forced onto its raw_tp twins and the classic tracepoint (what an
// older kernel or one without BTF gets) counts the same UDP datagrams to a closed port as
// NO_SOCKET drops in the DUT netns, and nothing of another namespace.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>

#include "kernel_probes/sock_drops_probe.h"
#include "tests/bpf/rig.h"

namespace pb::probes {
namespace {

constexpr uint16_t kClosedPort = 7;  // nobody listens on it in the DUT netns

std::string cannot_run() {
  return test::bpf_unavailable("CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN", "BPF programs", test::Refusal::kPermission,
                               [] { SockDropsProbe p(0, 0); });
}

uint64_t no_socket_drops(const SockDropsReading& r) {
  uint64_t n = 0;
  for (const auto& d : r.drops)
    if (d.side == "dut" && d.reason == "NO_SOCKET") n += d.count;
  return n;
}

class HookFlavours : public ::testing::TestWithParam<Flavour> {};

TEST_P(HookFlavours, DropsFamilyCountsClosedPortDatagrams) {
  PB_SKIP_IF(cannot_run());
  test::Rig rig(1, "hkf");
  test::Rig other(1, "hko");

  const Flavour first = GetParam();
  SockDropsProbe probe(rig.topo().dut_netns_inode(), rig.topo().tg_netns_inode(), {.drops = true, .delivery = false, .first = first});
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
  rig.send_datagrams(kDatagrams, kClosedPort);
  other.send_datagrams(kDatagrams, kClosedPort);  // another namespace pair: must not count
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
