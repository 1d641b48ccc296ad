// The DUT side of the XDP and AF_XDP paths (DESIGN.md "Path"), as bench::Receivers:
// - XdpVerdictReceiver: xdp-drop, xdp-pass, xdp-tx, xdp-redirect. The verdict program sits
//   on the DUT veth; where the path delivers, a counting program (or the UDP sockets, for
//   xdp-pass) measures what arrived and its latency.
// - AfxdpReceiver: afxdp, redirect into one AF_XDP socket per queue.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bench/topology_veth.h"
#include "bench/traffic.h"
#include "bench/udp_receiver.h"
#include "kernel_probes/xdp_events_probe.h"
#include "xdp/afxdp_sink.h"
#include "xdp/xdp_verdict_loader.h"

namespace pb::xdp {

class XdpVerdictReceiver : public bench::Receiver {
 public:
  // Loads and attaches the programs; throws std::system_error naming the interface and
  // mode when the kernel refuses. `events`: also attach the xdp:* tracepoint counters.
  XdpVerdictReceiver(const bench::VethTopology& topo, XdpVerdict verdict, XdpMode mode, bool events);
  ~XdpVerdictReceiver() override;

  void begin_trial(const core::TrialRequest& req) override;
  bench::RxResult end_trial(const bench::TxResult& tx) override;
  nlohmann::json describe() const override;
  nlohmann::json probe_status() const override;
  bool is_delivery(const bench::AttributedDrop& drop) const override {
    return verdict_ == XdpVerdict::kDrop && mode_ == XdpMode::kGeneric && drop.side == "dut" &&
           drop.where.rfind("do_xdp_generic", 0) == 0;
  }
  static constexpr int kPassRcvbuf = 8 << 20;  // xdp-pass socket buffers (SO_RCVBUFFORCE)

 private:
  const bench::VethTopology& topo_;
  XdpVerdict verdict_;
  XdpMode mode_;
  XdpVerdictProgram dut_;                              // the verdict under test
  std::unique_ptr<XdpVerdictProgram> landing_;         // counts what xdp-tx / xdp-redirect deliver
  std::unique_ptr<bench::UdpSocketReceiver> sockets_;  // xdp-pass: the stack's delivery point
  std::unique_ptr<probes::XdpEventsProbe> events_;
  std::vector<probes::ProbeUnavailable> events_unavailable_;
  XdpVerdictReading dut0_, landing0_;
  probes::XdpEventsReading events0_;
};

class AfxdpReceiver : public bench::Receiver {
 public:
  AfxdpReceiver(const bench::VethTopology& topo, XdpMode mode, AfxdpMode afxdp_mode);
  void begin_trial(const core::TrialRequest& req) override;
  bench::RxResult end_trial(const bench::TxResult& tx) override;
  nlohmann::json describe() const override;

 private:
  const bench::VethTopology& topo_;
  XdpMode mode_;
  AfxdpMode afxdp_mode_;
  std::unique_ptr<AfxdpSink> sink_;
  nlohmann::json last_describe_ = nlohmann::json::object();
};

}  // namespace pb::xdp
