// ScenarioSpec: one fully resolved scenario of a suite, its settings parsed once into typed
// values; and the catalog of what a suite may name (paths, generators), which the CLI's
// tables give.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/core/settings.h"
#include "reports/model/values.h"

namespace pb::suite {

// A path a suite may name, and the suite keys only it reads (dropped from the suite's
// scenarios of other paths).
struct PathKeys {
  std::string_view name;
  std::span<const std::string_view> own_keys;
};

// What a suite may name: the CLI's path table and generator table.
struct Catalog {
  std::vector<PathKeys> paths;
  std::vector<std::string_view> generators;  // besides "auto"
  std::vector<std::string_view> tools;       // `pathbench probe` tools of this build (key "tools")
};

// One scenario: path × topology × traffic × measurement (DESIGN.md "Concepts").
struct ScenarioSpec {
  std::string name;                  // stable readable name, e.g. "kernel-udp/rate=max"
  std::string path = "kernel-udp";   // a catalog path
  core::TopologyKind topology = core::TopologyKind::kVeth;  // lab is refused for now
  std::string generator = "auto";    // "auto" (the path's default) or a catalog generator
  core::XdpMode xdp_mode = core::XdpMode::kNative;        // paths that attach XDP
  core::AfxdpMode afxdp_mode = core::AfxdpMode::kRxDrop;  // afxdp
  bool busy_poll = false;            // afxdp: SO_PREFER_BUSY_POLL + spin
  core::TcpMode tcp_mode = core::TcpMode::kStream;        // kernel-tcp
  unsigned message_size = 0;         // kernel-tcp bytes per write / request; 0: 65536 stream, 64 rr
  std::string rps_cpus;              // hex CPU mask for every DUT RX queue ("" leaves it)
  std::string xps_cpus;              // hex CPU mask for every TG TX queue ("" leaves it)
  unsigned rfs_entries = 0;          // RFS: rps_sock_flow_entries (host-wide) and per-queue flow cnt
  core::Qdisc qdisc;                 // TG egress qdisc
  unsigned dst_port = 9;             // UDP destination port; the sinks listen on 9, so another
                                     // port is a closed one (the kernel drops with NO_SOCKET)
  unsigned rcvbuf = 0;               // socket receive buffer of the UDP sinks (SO_RCVBUFFORCE),
                                     // bytes; 0: the kernel default
  core::DpdkPmd pmd = core::DpdkPmd::kAfXdp;              // dpdk
  core::DpdkEngine dpdk_engine = core::DpdkEngine::kRxOnly;  // dpdk
  double duration_s = 5.0;           // per trial, (0, 3600]
  uint64_t rate_pps = 0;             // offered load; 0 = max
  unsigned frame_size = 66;          // Ethernet frame bytes without FCS, [66, 9000]
                                     // (66 = 14 eth + 20 ip + 8 udp + 24-byte payload tag)
  unsigned flows = 1;                // distinct 5-tuples, [1, 65535]
  unsigned queues = 2;               // veth queues, [1, 64]
  unsigned trials = 1;               // [1, 100]
  unsigned repeat = 1;               // independent repetitions, interleaved over the suite, [1, 100]
  core::SearchMode search = core::SearchMode::kMax;  // ndr-pdr: duration is the final trials'
  double pdr_loss = 0.005;           // PDR goal loss ratio (the key is in percent), [0, 0.1]
  double search_width = 0.005;       // goal width, relative (the key is in percent), [0.0001, 0.5]
  double max_search_time_s = 1200;   // the search stops there and reports the bounds it has
  unsigned capture = 0;              // pcap of the first N packets seen (DUT ingress or TG
                                     // egress), [0, kMaxCapture]; 0: none
  std::vector<std::string> tools;    // catalog tools run during the scenario, in given order
                                     // (key: one comma list string, "" none; a JSON list expands)
  reports::RawJson given;            // the keys as the user gave them (defaults, scenario and
                                     // CLI merged), for the report
  bool operator==(const ScenarioSpec&) const = default;
};

}  // namespace pb::suite
