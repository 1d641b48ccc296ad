#include "bench/traffic/generators.h"

#include "bench/core/rtnl.h"
#include "bench/traffic/afpacket_generator.h"
#include "bench/traffic/udp_generator.h"

namespace pb::traffic {

core::FrameSpec frame_spec(const core::TrafficEndpoints& ep, const core::TrialRequest& req) {
  core::FrameSpec f;
  f.src_mac = core::link_mac(ep.tg_if, ep.tg_netns);
  f.dst_mac = ep.dut_mac;
  f.src_ip = ep.tg_ip;
  f.dst_ip = ep.dut_ip;
  f.src_port_base = ep.tg_port_base;
  f.dst_port = ep.dut_port;
  f.frame_size = req.frame_size;
  return f;
}

namespace {

std::unique_ptr<core::Generator> make_udp_socket(const core::TrafficEndpoints& ep, const core::TrialRequest& req) {
  UdpGeneratorConfig gc;
  gc.netns_fd = ep.tg_netns;
  gc.src_ip = ep.tg_ip;
  gc.dst_ip = ep.dut_ip;
  gc.dst_port = ep.dut_port;
  gc.src_port_base = ep.tg_port_base;
  gc.flows = req.flows;
  gc.frame_size = req.frame_size;
  gc.rate_pps = req.offered_pps;
  gc.duration_s = req.duration_s;
  return std::make_unique<UdpGenerator>(gc);
}

std::unique_ptr<core::Generator> make_afpacket(const core::TrafficEndpoints& ep, const core::TrialRequest& req) {
  return std::make_unique<AfPacketGenerator>(frame_generator_config<AfPacketGeneratorConfig>(ep, req));
}

}  // namespace

const GeneratorKind kUdpSocketGenerator{"udp-socket", "sendmmsg on one connected UDP socket per flow, token-bucket pacing",
                                        make_udp_socket};
const GeneratorKind kAfPacketGenerator{"afpacket", "AF_PACKET with PACKET_QDISC_BYPASS, sendmmsg of pre-built frames",
                                       make_afpacket};

}  // namespace pb::traffic
