// ScenarioSpec: one fully resolved scenario of a suite, plus the names pathbench accepts
// for its path, topology and generator settings.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "reports/model/values.h"

namespace pb::suite {

// Paths a scenario may name; the one list to extend as paths land (DESIGN.md "Concepts":
// kernel-tcp, xdp-drop, xdp-pass, xdp-tx, xdp-redirect, afxdp, dpdk).
inline constexpr std::array<std::string_view, 8> kKnownPaths{"kernel-udp", "kernel-tcp", "xdp-drop", "xdp-pass",
                                                              "xdp-tx",     "xdp-redirect", "afxdp", "dpdk"};
// Traffic generators a scenario may name; extend as generators land (xdp-live, afpacket).
inline constexpr std::array<std::string_view, 4> kKnownGenerators{"auto", "udp-socket", "xdp-live", "afpacket"};
// AF_XDP socket modes for the afxdp path, and busy-poll settings.
inline constexpr std::array<std::string_view, 2> kAfxdpModes{"rxdrop", "l2fwd"};
inline constexpr std::array<std::string_view, 2> kOnOff{"off", "on"};
// kernel-tcp modes: a bulk stream (TCP_STREAM) or request/response (TCP_RR).
inline constexpr std::array<std::string_view, 2> kTcpModeNames{"stream", "rr"};
// Egress qdisc kinds on the TG (--qdisc); tbf and htb take a rate: "tbf:100mbit".
inline constexpr std::array<std::string_view, 5> kQdiscKinds{"default", "noqueue", "pfifo_fast", "tbf", "htb"};
// DPDK poll-mode drivers and forwarding engines for the dpdk path.
inline constexpr std::array<std::string_view, 3> kDpdkPmds{"af_xdp", "af_packet", "pci"};
inline constexpr std::array<std::string_view, 3> kDpdkEngines{"rxonly", "io", "macswap"};
// XDP attach modes (DESIGN.md "--xdp-mode").
inline constexpr std::array<std::string_view, 2> kXdpModes{"native", "generic"};

// One scenario: path × topology × traffic × measurement (DESIGN.md "Concepts").
struct ScenarioSpec {
  std::string name;                  // stable readable name, e.g. "kernel-udp/rate=max"
  std::string path = "kernel-udp";   // one of kKnownPaths
  std::string topology = "veth";     // veth ("lab" is planned, refused for now)
  std::string generator = "auto";   // one of kKnownGenerators; auto: udp-socket for kernel
                                     // paths, xdp-live for XDP and AF_XDP paths
  std::string xdp_mode = "native";   // one of kXdpModes, for paths that attach XDP
  std::string afxdp_mode = "rxdrop"; // one of kAfxdpModes (afxdp path)
  std::string busy_poll = "off";     // one of kOnOff (afxdp path: SO_PREFER_BUSY_POLL + spin)
  std::string tcp_mode = "stream";   // one of kTcpModeNames (kernel-tcp)
  unsigned message_size = 0;         // kernel-tcp bytes per write / request; 0: 65536 stream, 64 rr
  std::string rps_cpus;              // hex CPU mask for every DUT RX queue ("" leaves it)
  std::string xps_cpus;              // hex CPU mask for every TG TX queue ("" leaves it)
  unsigned rfs_entries = 0;          // RFS: rps_sock_flow_entries (host-wide) and per-queue flow cnt
  std::string qdisc = "default";     // TG egress qdisc: default | noqueue | pfifo_fast | tbf:RATE | htb:RATE
  unsigned dst_port = 9;             // UDP destination port; the sinks listen on 9, so another
                                     // port is a closed one (the kernel drops with NO_SOCKET)
  unsigned rcvbuf = 0;               // socket receive buffer of the UDP sinks (SO_RCVBUFFORCE),
                                     // bytes; 0: the kernel default
  std::string pmd = "af_xdp";        // one of kDpdkPmds (dpdk path)
  std::string dpdk_engine = "rxonly";  // one of kDpdkEngines (dpdk path)
  double duration_s = 5.0;           // per trial, (0, 3600]
  uint64_t rate_pps = 0;             // offered load; 0 = max
  unsigned frame_size = 66;          // Ethernet frame bytes without FCS, [66, 9000]
                                     // (66 = 14 eth + 20 ip + 8 udp + 24-byte payload tag)
  unsigned flows = 1;                // distinct 5-tuples, [1, 65535]
  unsigned queues = 2;               // veth queues, [1, 64]
  unsigned trials = 1;               // [1, 100]
  reports::RawJson given;            // the keys as the user gave them (defaults, scenario and
                                     // CLI merged), for the report
};

}  // namespace pb::suite
