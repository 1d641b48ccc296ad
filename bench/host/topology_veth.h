// VethTopology: the embedded default topology (DESIGN.md): fresh netns pb-<run>-tg and
// pb-<run>-dut joined by a veth pair with N queues, 198.18.0.0/15 addresses, static
// neighbours, IPv6 off (so no ND/MLD traffic pollutes counters). Torn down on destruction.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bench/core/netns.h"
#include "bench/core/veth.h"
#include "bench/host/state.h"
#include "bench/core/topology.h"
#include "reports/model/report.h"

namespace pb::host {

struct VethTopologyConfig {
  unsigned queues = 2;
  std::string suffix;  // distinguishes several topologies of one run ("" or "s3")
  bool redirect_pair = false;  // a second veth pb-rd0 <-> pb-rd1 inside the DUT netns: the
                               // target of xdp-redirect
};

class VethTopology final : public core::Topology {
 public:
  // Records every change in `state` before making it; throws std::system_error naming
  // the object that could not be created (and undoes what it made).
  VethTopology(RunState& state, const VethTopologyConfig& cfg);
  VethTopology(const VethTopology&) = delete;
  VethTopology& operator=(const VethTopology&) = delete;
  ~VethTopology() override;

  static constexpr const char* kTgIf = "pb-tg0";
  static constexpr const char* kDutIf = "pb-dut0";
  static constexpr const char* kTgIp = "198.18.0.1";
  static constexpr const char* kDutIp = "198.18.0.2";
  static constexpr uint16_t kDutPort = 9;  // discard
  static constexpr uint16_t kTgPortBase = 10000;  // flow i sends from kTgPortBase + i
  static constexpr const char* kRedirectIf = "pb-rd0";      // DUT netns, redirect target
  static constexpr const char* kRedirectPeerIf = "pb-rd1";  // DUT netns, where redirected frames land

  int tg_netns() const override { return tg_->fd(); }
  int dut_netns() const override { return dut_->fd(); }
  uint32_t tg_netns_inode() const override { return uint32_t(tg_->inode()); }
  uint32_t dut_netns_inode() const override { return uint32_t(dut_->inode()); }
  const std::string& tg_netns_name() const override { return tg_->name(); }
  const std::string& dut_netns_name() const override { return dut_->name(); }
  const std::string& tg_if() const override { return tg_if_; }
  const std::string& dut_if() const override { return dut_if_; }
  int tg_ifindex() const override { return veth_->ifindex_a(); }
  int dut_ifindex() const override { return veth_->ifindex_b(); }
  int redirect_ifindex() const override { return redirect_ ? redirect_->ifindex_a() : 0; }
  int redirect_peer_ifindex() const override { return redirect_ ? redirect_->ifindex_b() : 0; }
  unsigned queues() const override { return cfg_.queues; }
  const std::string& dut_ip() const override { return dut_ip_; }
  uint16_t dut_port() const override { return kDutPort; }
  core::TrafficEndpoints endpoints() const override;
  std::unique_ptr<core::CounterWatch> watch_counters(core::CounterScope scope) const override;

  // The report's topology: kind "veth", queues, namespaces, interfaces, addresses, the
  // redirect pair, GRO/TSO; steering and path facts are null until they are filled in.
  reports::Topology describe() const;

 private:
  std::unique_ptr<core::ScopedNetns> make_netns(const std::string& name);
  RunState& state_;
  const std::string tg_if_ = kTgIf, dut_if_ = kDutIf, dut_ip_ = kDutIp;
  VethTopologyConfig cfg_;
  std::unique_ptr<core::ScopedNetns> tg_;
  std::unique_ptr<core::ScopedNetns> dut_;
  std::unique_ptr<core::VethPair> veth_;
  std::unique_ptr<core::VethPair> redirect_;
};

}  // namespace pb::host
