// bench/core RAII owners against the real kernel: netns, veth, sysctl guards. Needs root
// (skips with the reason otherwise).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fmt/core.h>

#include "bench/core/netns.h"
#include "bench/core/rtnl.h"
#include "bench/core/sysfs_guard.h"
#include "bench/core/veth.h"

namespace pb::core {
namespace {

class CoreRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: creates network namespaces and veth pairs";
  }
  std::string name(const char* what) { return fmt::format("pbt-core-{}-{}", getpid(), what); }
};

uint64_t current_netns_inode() {
  UniqueFd self = open_netns("/proc/thread-self/ns/net");
  return netns_inode(self.get());
}

TEST_F(CoreRoot, ScopedNetnsCreatesAndRemoves) {
  std::string n = name("ns");
  {
    ScopedNetns ns(n);
    EXPECT_TRUE(std::filesystem::exists(std::string(kNetnsDir) + "/" + n));
    EXPECT_NE(ns.inode(), current_netns_inode());
    EXPECT_THROW(ScopedNetns again(n), std::system_error) << "a taken name must be refused";
    EXPECT_TRUE(std::filesystem::exists(std::string(kNetnsDir) + "/" + n)) << "refusal must not remove the owner's netns";
  }
  EXPECT_FALSE(std::filesystem::exists(std::string(kNetnsDir) + "/" + n));
}

TEST_F(CoreRoot, NetnsGuardEntersAndRestores) {
  ScopedNetns ns(name("guard"));
  uint64_t before = current_netns_inode();
  {
    NetnsGuard in(ns.fd());
    EXPECT_EQ(current_netns_inode(), ns.inode());
    EXPECT_GT(ifindex_of("lo"), 0);
  }
  EXPECT_EQ(current_netns_inode(), before);
}

TEST_F(CoreRoot, VethPairHasQueuesAddressesAndGoesAway) {
  ScopedNetns a(name("a")), b(name("b"));
  {
    VethPair v({{"pbt-a0", a.fd(), "198.18.0.1/30"}, {"pbt-b0", b.fd(), "198.18.0.2/30"}, 4, 0});
    EXPECT_GT(v.ifindex_a(), 0);
    EXPECT_GT(v.ifindex_b(), 0);
    std::string cmd = fmt::format("ip -n {} -d link show pbt-b0 | grep -q 'numrxqueues 4'", b.name());
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    cmd = fmt::format("ip -n {} -4 addr show pbt-a0 | grep -q '198.18.0.1/30'", a.name());
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  NetnsGuard in(b.fd());
  EXPECT_EQ(ifindex_of("pbt-b0"), 0) << "the peer must go with the pair";
}

TEST_F(CoreRoot, SysctlGuardRestores) {
  ScopedNetns ns(name("sysctl"));
  NetnsGuard in(ns.fd());
  std::string path = SysctlGuard::path_of("net.core.somaxconn");
  EXPECT_EQ(path, "/proc/sys/net/core/somaxconn");
  std::string old = read_file(path);
  {
    SysctlGuard g("net.core.somaxconn", "1234");
    EXPECT_EQ(read_file(path), "1234\n");
  }
  EXPECT_EQ(read_file(path), old);
}

TEST(SysfsGuard, MissingFileThrowsNamingIt) {
  try {
    SysfsGuard g("/proc/sys/net/core/no_such_knob", "1");
    FAIL() << "expected an exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_knob"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pb::core
