#include "bench/cli/generators.h"


#include <algorithm>

#include "bench/afpacket_generator.h"
#include "bench/core/cpus.h"
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
using bench::TrafficEndpoints;

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

bench::FrameSpec frame_spec(const TrafficEndpoints& ep, const core::TrialRequest& req) {
  bench::FrameSpec f;
  f.src_mac = core::link_mac(ep.tg_if, ep.tg_netns);
  f.dst_mac = ep.dut_mac;
  f.src_ip = ep.tg_ip;
  f.dst_ip = ep.dut_ip;
  f.src_port_base = ep.tg_port_base;
  f.dst_port = ep.dut_port;
  f.frame_size = req.frame_size;
  return f;
}

// The fields every frame-building generator config shares.
template <typename Cfg>
Cfg frame_generator_config(const TrafficEndpoints& ep, const core::TrialRequest& req) {
  Cfg gc;
  gc.netns_fd = ep.tg_netns;
  gc.ifname = ep.tg_if;
  gc.frame = frame_spec(ep, req);
  gc.flows = req.flows;
  gc.rate_pps = req.offered_pps;
  gc.duration_s = req.duration_s;
  return gc;
}


#if PB_HAVE_XDP
// The CPUs this process may run on minus `avoid`; empty (= all) when nothing would be left.
std::vector<int> cpus_except(const std::vector<int>& avoid) {
  if (avoid.empty()) return {};
  std::vector<int> cpus;
  for (int c : core::allowed_cpus())
    if (std::find(avoid.begin(), avoid.end(), c) == avoid.end()) cpus.push_back(c);
  return cpus;
}
#endif

}  // namespace

std::unique_ptr<bench::Generator> make_generator(const std::string& name, const TrafficEndpoints& ep,
                                                 const core::TrialRequest& req) {
  if (name == "udp-socket") {
    bench::UdpGeneratorConfig gc;
    gc.netns_fd = ep.tg_netns;
    gc.src_ip = ep.tg_ip;
    gc.dst_ip = ep.dut_ip;
    gc.dst_port = ep.dut_port;
    gc.src_port_base = ep.tg_port_base;
    gc.flows = req.flows;
    gc.frame_size = req.frame_size;
    gc.rate_pps = req.offered_pps;
    gc.duration_s = req.duration_s;
    return std::make_unique<Adapter<bench::UdpGenerator>>(gc);
  }
  if (name == "afpacket") {
    return std::make_unique<Adapter<bench::AfPacketGenerator>>(
        frame_generator_config<bench::AfPacketGeneratorConfig>(ep, req));
  }
  if (name == "xdp-live") {
#if PB_HAVE_XDP
    auto gc = frame_generator_config<xdp::LiveGeneratorConfig>(ep, req);
    gc.cpus = cpus_except(req.avoid_cpus);
    return std::make_unique<LiveAdapter>(gc);
#else
    throw core::UsageError("generator 'xdp-live': this build has no XDP support");
#endif
  }
  throw core::UsageError("generator '" + name + "' is not implemented");
}

}  // namespace pb::cli
