#include "bench/cli/generators.h"

#include "bench/afpacket_generator.h"
#include "bench/core/errors.h"
#include "bench/core/rtnl.h"
#include "bench/core/log.h"
#include "bench/udp_generator.h"
#include "pb_config.h"
#if PB_HAVE_XDP
#include "xdp/live_generator.h"
#endif

namespace pb::cli {

using bench::TxResult;
using bench::VethTopology;

namespace {

// Adapts a generator class with `run(stop)` returning TxResult.
template <typename G>
class Adapter : public bench::Generator {
 public:
  template <typename Cfg>
  explicit Adapter(Cfg cfg) : gen_(std::move(cfg)) {}
  TxResult run(std::atomic<bool>& stop) override { return gen_.run(stop); }

 private:
  G gen_;
};

#if PB_HAVE_XDP
class LiveAdapter : public bench::Generator {
 public:
  explicit LiveAdapter(xdp::LiveGeneratorConfig cfg) : gen_(std::move(cfg)) {}
  TxResult run(std::atomic<bool>& stop) override {
    xdp::LiveGeneratorResult r = gen_.run(stop);
    PB_DEBUG("xdp-live: stamped {} link tx {} (sent = {})", r.stamped, r.link_tx_packets, r.sent_source);
    return r.tx;
  }

 private:
  xdp::LiveGenerator gen_;
};
#endif

bench::FrameSpec frame_spec(const VethTopology& topo, const core::TrialRequest& req) {
  bench::FrameSpec f;
  f.src_mac = core::link_mac(VethTopology::kTgIf, topo.tg_netns());
  f.dst_mac = core::link_mac(VethTopology::kDutIf, topo.dut_netns());
  f.src_ip = VethTopology::kTgIp;
  f.dst_ip = VethTopology::kDutIp;
  f.src_port_base = VethTopology::kTgPortBase;
  f.dst_port = VethTopology::kDutPort;
  f.frame_size = req.frame_size;
  return f;
}

// The fields every frame-building generator config shares.
template <typename Cfg>
Cfg frame_generator_config(const VethTopology& topo, const core::TrialRequest& req) {
  Cfg gc;
  gc.netns_fd = topo.tg_netns();
  gc.ifname = VethTopology::kTgIf;
  gc.frame = frame_spec(topo, req);
  gc.flows = req.flows;
  gc.rate_pps = req.offered_pps;
  gc.duration_s = req.duration_s;
  return gc;
}


}  // namespace

std::unique_ptr<bench::Generator> make_generator(const std::string& name, const VethTopology& topo,
                                                 const core::TrialRequest& req) {
  if (name == "udp-socket") {
    bench::UdpGeneratorConfig gc;
    gc.netns_fd = topo.tg_netns();
    gc.src_ip = VethTopology::kTgIp;
    gc.dst_ip = VethTopology::kDutIp;
    gc.dst_port = VethTopology::kDutPort;
    gc.src_port_base = VethTopology::kTgPortBase;
    gc.flows = req.flows;
    gc.frame_size = req.frame_size;
    gc.rate_pps = req.offered_pps;
    gc.duration_s = req.duration_s;
    return std::make_unique<Adapter<bench::UdpGenerator>>(gc);
  }
  if (name == "afpacket") {
    return std::make_unique<Adapter<bench::AfPacketGenerator>>(
        frame_generator_config<bench::AfPacketGeneratorConfig>(topo, req));
  }
  if (name == "xdp-live") {
#if PB_HAVE_XDP
    return std::make_unique<LiveAdapter>(frame_generator_config<xdp::LiveGeneratorConfig>(topo, req));
#else
    throw core::UsageError("generator 'xdp-live': this build has no XDP support");
#endif
  }
  throw core::UsageError("generator '" + name + "' is not implemented");
}

}  // namespace pb::cli
