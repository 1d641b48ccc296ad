#include "bench/traffic/udp_receiver.h"

namespace pb::traffic {

UdpSocketReceiver::UdpSocketReceiver(const core::Topology& topo, unsigned sockets, int rcvbuf)
    : topo_(topo), sockets_(sockets), rcvbuf_(rcvbuf) {}

void UdpSocketReceiver::begin_trial(const core::TrialRequest& req) {
  UdpSinkConfig sc;
  sc.netns_fd = topo_.dut_netns();
  sc.bind_ip = topo_.dut_ip();
  sc.port = topo_.dut_port();
  sc.sockets = sockets_;
  sc.rcvbuf = rcvbuf_;
  sc.expected_flows = req.flows;
  sink_ = std::make_unique<UdpSink>(sc);
  sink_->start();
}

core::RxResult UdpSocketReceiver::end_trial(const core::TxResult& tx) {
  UdpSinkResult r = sink_->stop(/*drain=*/true);
  sink_.reset();
  core::RxResult out = core::rx_of_tally(r, tx);
  out.per_queue = r.per_socket;
  return out;
}

}  // namespace pb::traffic
