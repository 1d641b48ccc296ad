// UdpGenerator: the `udp-socket` traffic generator. One connected UDP socket per flow
// (flow i sends from src_port_base + i, so RSS sees distinct 5-tuples), sendmmsg batches
// round-robin over the flows, each datagram tagged with struct pb_payload.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/core/traffic.h"
#include "bench/core/unique_fd.h"

namespace pb::traffic {

struct UdpGeneratorConfig {
  int netns_fd = -1;            // TG netns the sockets live in; -1: the caller's netns
  std::string src_ip;           // IPv4 to bind (empty: any)
  std::string dst_ip;           // IPv4 to send to
  uint16_t dst_port = 0;
  uint16_t src_port_base = 0;   // flow i binds src_port_base + i
  unsigned flows = 1;
  unsigned frame_size = 128;    // Ethernet frame bytes without FCS; >= 42 + 24
  uint64_t rate_pps = 0;        // 0: as fast as possible
  double duration_s = 1.0;
  unsigned batch = 64;          // datagrams per sendmmsg
  unsigned threads = 1;         // flows are split across threads; capped at flows
  int sndbuf = 0;               // bytes, SO_SNDBUFFORCE; 0: kernel default
};

class UdpGenerator final : public core::Generator {
 public:
  // Validates the config and opens, binds and connects one socket per flow inside
  // cfg.netns_fd; throws pb::core::UsageError for bad values, std::system_error otherwise.
  explicit UdpGenerator(UdpGeneratorConfig cfg);
  UdpGenerator(const UdpGenerator&) = delete;
  UdpGenerator& operator=(const UdpGenerator&) = delete;
  ~UdpGenerator() override;

  // Sends for duration_s, or until `stop` becomes true; blocks. Paced mode is a token
  // bucket on CLOCK_MONOTONIC whose schedule is anchored at the start (no drift). Every
  // run is a trial of its own: sequence numbers start at 0 again. Throws std::system_error
  // on a send error that is not transient.
  core::TxResult run(std::atomic<bool>& stop) override;

  const UdpGeneratorConfig& config() const { return cfg_; }

 private:
  struct Flow {
    core::UniqueFd fd;
    uint64_t next_seq = 0;
  };
  struct ThreadResult;
  void send_loop(unsigned first_flow, unsigned end_flow, uint64_t start_ns, const std::atomic<bool>& stop,
                 const std::atomic<bool>& halt, ThreadResult& out);

  UdpGeneratorConfig cfg_;
  std::vector<Flow> flows_;
};

}  // namespace pb::traffic
