// UdpSocketReceiver: the kernel-udp delivery point, SO_REUSEPORT recvmmsg sockets in the
// DUT netns (one per queue), a fresh UdpSink per trial.
#pragma once

#include <memory>

#include "bench/topology_veth.h"
#include "bench/traffic.h"
#include "bench/udp_sink.h"

namespace pb::bench {

class UdpSocketReceiver : public Receiver {
 public:
  UdpSocketReceiver(const VethTopology& topo, unsigned sockets, int rcvbuf = 0);
  void begin_trial(const core::TrialRequest& req) override;
  RxResult end_trial(const TxResult& tx) override;
  nlohmann::json describe() const override {
    return rcvbuf_ ? nlohmann::json{{"rcvbuf", rcvbuf_}} : nlohmann::json::object();
  }

 private:
  const VethTopology& topo_;
  unsigned sockets_;
  int rcvbuf_;
  std::unique_ptr<UdpSink> sink_;
};

}  // namespace pb::bench
