// AfPacketGenerator: the `afpacket` traffic generator. One AF_PACKET SOCK_RAW socket in the
// TG netns, bound to the TG device, PACKET_QDISC_BYPASS on; sendmmsg batches of frames built
// by bench/frame_builder, each stamped in user space (flow round-robin per frame, per-flow
// seq, tx_ns = CLOCK_MONOTONIC just before the call). One thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "bench/core/unique_fd.h"
#include "bench/core/frame.h"
#include "bench/core/traffic.h"

namespace pb::traffic {

struct AfPacketGeneratorConfig {
  int netns_fd = -1;       // TG netns the socket lives in; -1: the caller's
  std::string ifname;      // TG device to send from (pb-tg0)
  core::FrameSpec frame;         // MACs (src = TG end, dst = DUT end), IPs, ports, frame_size
  unsigned flows = 1;      // flow f sends from frame.src_port_base + f
  uint64_t rate_pps = 0;   // 0: as fast as possible
  double duration_s = 1.0;
  unsigned batch = 64;     // frames per sendmmsg, [1, 1024]
  int sndbuf = 0;          // bytes, SO_SNDBUFFORCE; 0: kernel default
};

class AfPacketGenerator final : public core::Generator {
 public:
  // Validates the config, opens and binds the socket inside cfg.netns_fd; throws
  // pb::core::UsageError for bad values, std::system_error otherwise (EPERM without
  // CAP_NET_RAW).
  explicit AfPacketGenerator(AfPacketGeneratorConfig cfg);
  AfPacketGenerator(const AfPacketGenerator&) = delete;
  AfPacketGenerator& operator=(const AfPacketGenerator&) = delete;
  ~AfPacketGenerator() override;

  // Sends for duration_s or until `stop`; blocks. Result as the udp-socket generator's:
  // sent = frames sendmmsg accepted (with PACKET_QDISC_BYPASS a frame the device refuses
  // fails the call with ENOBUFS, so accepted frames reached the veth peer's queue);
  // send_errors = calls refused with ENOBUFS/EAGAIN; flows[f] = frames accepted per flow
  // (seq 0 .. sent-1: a refused frame's seq is used again). Sequences restart each run.
  core::TxResult run(std::atomic<bool>& stop) override;

  const AfPacketGeneratorConfig& config() const { return cfg_; }

 private:
  AfPacketGeneratorConfig cfg_;
  core::UniqueFd fd_;
  int ifindex_ = 0;
  std::vector<uint8_t> frame_;
};

}  // namespace pb::traffic
