#include "bench/generators.h"

#include "bench/core/errors.h"
#include "bench/udp_generator.h"

namespace pb::bench {

namespace {

class UdpSocketGenerator : public Generator {
 public:
  explicit UdpSocketGenerator(UdpGeneratorConfig cfg) : gen_(std::move(cfg)) {}
  TxResult run(std::atomic<bool>& stop) override { return gen_.run(stop); }

 private:
  UdpGenerator gen_;
};

}  // namespace

std::unique_ptr<Generator> make_generator(const std::string& name, const VethTopology& topo,
                                          const core::TrialRequest& req) {
  if (name == "udp-socket") {
    UdpGeneratorConfig gc;
    gc.netns_fd = topo.tg_netns();
    gc.src_ip = VethTopology::kTgIp;
    gc.dst_ip = VethTopology::kDutIp;
    gc.dst_port = VethTopology::kDutPort;
    gc.src_port_base = VethTopology::kTgPortBase;
    gc.flows = req.flows;
    gc.frame_size = req.frame_size;
    gc.rate_pps = req.offered_pps;
    gc.duration_s = req.duration_s;
    return std::make_unique<UdpSocketGenerator>(gc);
  }
  throw core::UsageError("generator '" + name + "' is not implemented");
}

}  // namespace pb::bench
