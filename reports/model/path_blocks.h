// What each path adds to a trial: the kernel counters it checks itself against ("kernel"),
// and its own block (xdp, afxdp, dpdk, tcp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/model/measures.h"
#include "reports/model/values.h"

namespace pb::reports {

// xdp:* tracepoint counts of one device in a trial.
struct XdpEventRow {
  uint32_t ifindex = 0;
  std::string side;  // "dut" | "tg"
  uint64_t exceptions = 0, redirect_err = 0;
  uint64_t bulk_tx_sent = 0, bulk_tx_drops = 0;
  uint64_t devmap_xmit_sent = 0, devmap_xmit_drops = 0;
  bool operator==(const XdpEventRow&) const = default;
};

// A trial's view through the kernel's own counters (deltas), by the path that reads them;
// a field a path does not read is left out.
struct KernelView {
  // UDP paths: the DUT's UDP/IP counters and the link, and what they attribute.
  std::optional<uint64_t> dut_udp_in_datagrams, dut_udp_in_errors, dut_udp_rcvbuf_errors, dut_udp_no_ports;
  std::optional<uint64_t> dut_ip_in_discards;
  std::optional<uint64_t> udp_attributed;  // UDP InErrors + NoPorts + TG tx_dropped
  // The link, both ends.
  std::optional<uint64_t> dut_link_rx_packets, dut_link_rx_bytes, dut_link_rx_dropped;
  std::optional<uint64_t> tg_link_tx_packets, tg_link_tx_bytes, tg_link_tx_dropped;
  // kernel-tcp: segments, opens, and why the TG retransmitted.
  std::optional<uint64_t> tg_tcp_out_segs, tg_tcp_retrans_segs, tg_tcp_active_opens;
  std::optional<uint64_t> dut_tcp_in_segs, dut_tcp_in_errs, dut_tcp_passive_opens, dut_tcp_rcv_pruned;
  std::optional<uint64_t> dut_tcp_backlog_drop, dut_tcp_ofo_queue, dut_tcp_dsack_old_sent;
  std::optional<uint64_t> tg_tcp_timeouts, tg_tcp_loss_probes, tg_tcp_spurious_rtos, tg_tcp_dsack_recv;
  // The probes' own counts: UDP datagrams queued/read (udp_delivery), udp_fail_queue_rcv_skb,
  // xdp:* events per device, live frames the DUT end refused (never sent).
  std::optional<uint64_t> bpf_udp_queued, bpf_udp_read, bpf_udp_fail_queue;
  std::optional<std::vector<XdpEventRow>> xdp_events;
  std::optional<uint64_t> tg_refused;
  bool operator==(const KernelView&) const = default;
};

// What one of pathbench's XDP programs returned and saw.
struct XdpVerdicts {
  uint64_t packets = 0, aborted = 0, drop = 0, pass = 0, tx = 0, redirect = 0, tagged = 0, malformed = 0;
  bool operator==(const XdpVerdicts&) const = default;
};
struct XdpCell {
  uint32_t cpu = 0, rx_queue = 0;
  uint64_t packets = 0;
  bool operator==(const XdpCell&) const = default;
};
// The XDP paths' block: the verdict program on the DUT, per (CPU, RX queue), and where
// xdp-tx/xdp-redirect frames landed.
struct XdpBlock {
  XdpVerdicts dut;
  std::vector<XdpCell> per_cpu_queue;
  std::optional<Latency> dut_latency;  // in-program latency when delivery is counted elsewhere
  std::optional<XdpVerdicts> landing;
  bool operator==(const XdpBlock&) const = default;
};

// One AF_XDP socket (one RX queue) in a trial.
struct AfxdpSocketRow {
  unsigned queue = 0;
  std::string bind_mode;         // "copy" | "zerocopy"
  std::string zerocopy_refused;  // why XDP_ZEROCOPY failed ("" when granted or not tried)
  std::string busy_poll;         // "off", "on", or "refused: ..."
  uint64_t delivered = 0;
  uint64_t rx_dropped = 0, rx_ring_full = 0, rx_fill_ring_empty_descs = 0, rx_invalid_descs = 0;
  uint64_t tx_ring_empty_descs = 0;
  uint64_t redirected = 0, fallback = 0;  // the redirect program's counters for this queue
  bool operator==(const AfxdpSocketRow&) const = default;
};
struct AfxdpBlock {
  std::vector<AfxdpSocketRow> sockets;
  uint64_t redirected = 0, fallback = 0;
  uint64_t l2fwd_tx = 0, l2fwd_completed = 0;
  std::optional<uint64_t> received;  // l2fwd: what the sockets read (delivered counts the TG)
  bool operator==(const AfxdpBlock&) const = default;
};

// One TCP connection as sock_diag reports it (`ss -tiepm`).
struct TcpSkmem {
  uint32_t rmem_alloc = 0, rcvbuf = 0, wmem_alloc = 0, sndbuf = 0, wmem_queued = 0, backlog = 0, drops = 0;
  bool operator==(const TcpSkmem&) const = default;
};
struct TcpConnection {
  std::string src, dst;
  uint16_t sport = 0, dport = 0;
  uint8_t state = 0;  // TCP_ESTABLISHED, ...
  uint32_t inode = 0;
  uint32_t rqueue = 0, wqueue = 0;
  std::string cong;  // "" when the kernel did not say
  uint32_t tcp_info_len = 0;  // bytes of tcp_info received; fields beyond it are 0
  uint32_t rtt_us = 0, rttvar_us = 0, min_rtt_us = 0;
  uint32_t snd_cwnd = 0, snd_ssthresh = 0, snd_mss = 0, rcv_mss = 0;
  uint32_t retrans = 0, total_retrans = 0, lost = 0;
  uint32_t segs_out = 0, segs_in = 0, data_segs_out = 0, data_segs_in = 0;
  uint64_t pacing_rate_Bps = 0, delivery_rate_Bps = 0;
  uint64_t bytes_acked = 0, bytes_received = 0, bytes_sent = 0, bytes_retrans = 0;
  uint64_t busy_time_us = 0, rwnd_limited_us = 0, sndbuf_limited_us = 0;
  std::optional<TcpSkmem> skmem;
  bool operator==(const TcpConnection&) const = default;
};

// kernel-tcp's trial block.
struct TcpTrial {
  std::string mode;  // "stream" | "rr"
  unsigned message_size = 0, flows = 0;
  uint64_t bytes = 0;
  double throughput_bps = 0;
  uint64_t transactions = 0;
  double tps = 0;
  uint64_t retransmits = 0;
  std::vector<TcpConnection> connections;
  std::optional<uint64_t> tag_mismatches;  // rr
  bool operator==(const TcpTrial&) const = default;
};
// kernel-tcp over a scenario's trials.
struct TcpTotals {
  std::string mode;
  unsigned message_size = 0, trials = 0;
  double seconds = 0;
  uint64_t bytes = 0;
  double throughput_bps = 0;
  uint64_t transactions = 0;
  double tps = 0;
  uint64_t retransmits = 0;
  bool operator==(const TcpTotals&) const = default;
};

}  // namespace pb::reports
