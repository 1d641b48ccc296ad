// Traffic generators by name (DESIGN.md "Generator"): every kind sends the same tagged frames
// from a TG interface to the DUT. This file has the socket kinds (udp-socket, afpacket);
// xdp/live_generator.h adds xdp-live; the CLI's generator table lists them all.
#pragma once

#include <memory>
#include <string_view>

#include "bench/core/frame.h"
#include "bench/core/traffic.h"

namespace pb::traffic {

// One kind of generator: its name (the suite's `generator` value), a line for --help, and
// how to build one for a trial (throws core::UsageError for bad values, std::system_error
// when the TG side cannot be set up).
struct GeneratorKind {
  std::string_view name;
  std::string_view doc;
  std::unique_ptr<core::Generator> (*make)(const core::TrafficEndpoints& ep, const core::TrialRequest& req);
  // Every send ends in an RCU grace period (live frames): the run expedites them while it
  // generates, or paced frames come in bursts of a grace period's worth.
  bool wants_rcu_expedited = false;
};

extern const GeneratorKind kUdpSocketGenerator;  // "udp-socket"
extern const GeneratorKind kAfPacketGenerator;   // "afpacket"

// The frames a raw-frame generator sends from `ep` for `req` (MACs, addresses, ports, size).
core::FrameSpec frame_spec(const core::TrafficEndpoints& ep, const core::TrialRequest& req);

// The fields every raw-frame generator config shares, filled from `ep` and `req`.
template <typename Cfg>
Cfg frame_generator_config(const core::TrafficEndpoints& ep, const core::TrialRequest& req) {
  Cfg gc;
  gc.netns_fd = ep.tg_netns;
  gc.ifname = ep.tg_if;
  gc.frame = frame_spec(ep, req);
  gc.flows = req.flows;
  gc.rate_pps = req.offered_pps;
  gc.duration_s = req.duration_s;
  return gc;
}

}  // namespace pb::traffic
