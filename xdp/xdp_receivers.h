// The DUT side of the XDP and AF_XDP paths (DESIGN.md "Path"), as core::Receivers:
// - XdpVerdictReceiver: xdp-drop, xdp-pass, xdp-tx, xdp-redirect. The verdict program sits
//   on the DUT veth; where the path delivers, a counting program (or the UDP sockets, for
//   xdp-pass) measures what arrived and its latency.
// - AfxdpReceiver: afxdp, redirect into one AF_XDP socket per queue; in l2fwd mode the
//   sockets send the frames back and delivery is counted where they land, on the TG.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bench/core/topology.h"
#include "bench/core/traffic.h"
#include "bench/traffic/udp_receiver.h"
#include "xdp/afxdp_sink.h"
#include "xdp/xdp_verdict_loader.h"

namespace pb::xdp {

// An XDP_DROP of one of our own programs on an skb (generic mode, or veth's skb path) also
// shows in kfree_skb; the program's counters already account for it, as delivery or as a
// drop of its own, so the kfree_skb row must not count a second time.
inline bool is_own_xdp_drop(const core::AttributedDrop& drop) {
  return drop.where.rfind("veth_xdp_rcv_skb", 0) == 0 || drop.where.rfind("do_xdp_generic", 0) == 0;
}

class XdpVerdictReceiver : public core::Receiver {
 public:
  // Loads and attaches the programs; throws std::system_error naming the interface and
  // mode when the kernel refuses.
  // `rcvbuf`: the xdp-pass sockets' buffer (0: kernel default).
  XdpVerdictReceiver(const core::Topology& topo, XdpVerdict verdict, XdpMode mode, int rcvbuf = 0);
  ~XdpVerdictReceiver() override;

  void begin_trial(const core::TrialRequest& req) override;
  core::RxResult end_trial(const core::TxResult& tx) override;
  void describe(reports::Topology& into) const override;
  std::vector<std::string> own_programs() const override;
  bool accounts_for(const core::AttributedDrop& drop) const override { return is_own_xdp_drop(drop); }

 private:
  const core::Topology& topo_;
  XdpVerdict verdict_;
  XdpMode mode_;
  XdpVerdictProgram dut_;                              // the verdict under test
  std::unique_ptr<XdpVerdictProgram> landing_;         // counts what xdp-tx / xdp-redirect deliver
  std::unique_ptr<traffic::UdpSocketReceiver> sockets_;  // xdp-pass: the stack's delivery point
  XdpVerdictReading dut0_, landing0_;
};

class AfxdpReceiver : public core::Receiver {
 public:
  AfxdpReceiver(const core::Topology& topo, XdpMode mode, AfxdpMode afxdp_mode, bool busy_poll);
  void begin_trial(const core::TrialRequest& req) override;
  core::RxResult end_trial(const core::TxResult& tx) override;
  void describe(reports::Topology& into) const override;
  // A full RX ring or empty fill ring also fails the redirect: XDP_STATISTICS counts it.
  bool accounts_for(const core::AttributedDrop& drop) const override {
    return is_own_xdp_drop(drop) || (drop.side == "dut" && drop.reason == "XDP_REDIRECT_ERR");
  }

 private:
  const core::Topology& topo_;
  XdpMode mode_;
  AfxdpMode afxdp_mode_;
  bool busy_poll_;
  std::unique_ptr<AfxdpSink> sink_;
  std::unique_ptr<XdpVerdictProgram> landing_;  // l2fwd: counts the frames back at the TG
  XdpVerdictReading landing0_;
  std::string bind_mode_, busy_poll_state_;  // as the sockets of the last trial got them
};

}  // namespace pb::xdp
