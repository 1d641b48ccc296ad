// The diagnostics `pathbench run` can add to a scenario (DESIGN.md: run --capture N,
// --tools T,...): a pcap file of the first packets (tcpdump's role) and what the
// `pathbench probe` tools saw while the scenario ran.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "reports/model/values.h"

namespace pb::reports {

// Where a capture watched: the DUT's interface on ingress (kernel paths: the tap sees each
// frame before the stack), or the TG's on egress (paths that consume frames in XDP, AF_XDP
// or DPDK before a tap on the DUT could see them).
inline constexpr const char* kCaptureDutIngress = "dut-ingress";
inline constexpr const char* kCaptureTgEgress = "tg-egress";

// The scenario's pcap file (run --capture N).
struct Capture {
  Nullable<std::string> file;  // the pcap's name, in the report's directory; null: none written
  uint64_t requested = 0;      // N
  uint64_t packets = 0;        // packets in the file (N unless the scenario saw fewer)
  std::string where;           // kCaptureDutIngress | kCaptureTgEgress
  std::string interface, netns;
  uint64_t dropped = 0;        // pcap_stats ps_drop: packets the capture buffer had no room for
  std::optional<std::string> error;  // why there is no file, or why it ended early
  bool operator==(const Capture&) const = default;
};

inline constexpr const char* kToolOk = "ok";
inline constexpr const char* kToolUnsupported = "unsupported";  // its check() failed here
inline constexpr const char* kToolError = "error";              // it failed to load or run

// Upper bound on the events one tool keeps per scenario; the rest are counted.
inline constexpr uint64_t kMaxToolEvents = 10000;

// One tool's record for one scenario (run --tools T,...).
struct ToolRecord {
  std::string status = kToolOk;  // kToolOk | kToolUnsupported | kToolError
  Nullable<std::string> reason;  // why not ok
  std::string netns;             // the namespace its --netns filter was set to
  uint64_t events_seen = 0;      // events the tool delivered
  uint64_t events_cut = 0;       // of those, not kept (beyond kMaxToolEvents)
  // Each the tool's own JSON line (as `pathbench probe TOOL --json` prints it; keys from
  // its field table, reports/schema/tools.schema.json), in order.
  std::vector<RawJson> events;
  std::optional<RawJson> summary;  // its final summary line, likewise
  uint64_t lost = 0;               // events the ring buffer had no room for
  std::vector<std::string> notes;
  bool operator==(const ToolRecord&) const = default;
};

using ToolRecords = std::map<std::string, ToolRecord>;  // by tool name

}  // namespace pb::reports
