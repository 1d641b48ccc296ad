// UdpSocketReceiver: the kernel-udp delivery point, SO_REUSEPORT recvmmsg sockets in the
// DUT netns (one per queue), a fresh UdpSink per trial.
#pragma once

#include <memory>

#include "bench/core/topology.h"
#include "bench/core/traffic.h"
#include "bench/traffic/udp_sink.h"

namespace pb::traffic {

class UdpSocketReceiver : public core::Receiver {
 public:
  UdpSocketReceiver(const core::Topology& topo, unsigned sockets, int rcvbuf = 0);
  void begin_trial(const core::TrialRequest& req) override;
  core::RxResult end_trial(const core::TxResult& tx) override;
  void describe(reports::Topology& into) const override {
    if (rcvbuf_) into.rcvbuf = rcvbuf_;
  }

 private:
  const core::Topology& topo_;
  unsigned sockets_;
  int rcvbuf_;
  std::unique_ptr<UdpSink> sink_;
};

}  // namespace pb::traffic
