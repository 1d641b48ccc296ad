// `pathbench run --capture N`: tcpdump's role in a run. The first N packets of a scenario,
// taken with libpcap on the interface where they can still be seen, written with
// pcap_dump to a pcap file next to the report (REPORT.<scenario>.pcap), and the report's
// `capture` record saying where it was taken.
//
// Where: the DUT interface on ingress for the paths whose frames reach the stack
// (kernel-udp, kernel-tcp, xdp-pass: the tap sees each frame as the stack receives it);
// the TG interface on egress for the paths that consume frames in XDP, AF_XDP or DPDK,
// where an AF_PACKET tap on the DUT sees nothing after XDP_DROP or a redirect. Frames the
// xdp-live generator sends leave by ndo_xdp_xmit, and the afpacket generator's by
// PACKET_QDISC_BYPASS, both past the taps: on a tg-egress path with one of them the record
// says so (--generator udp-socket goes through dev_queue_xmit, where the taps are).
//
// The capture runs on its own thread and closes its handle as soon as it has N packets,
// so it costs the trial nothing after that; a capture that was not finished (the scenario
// failed) removes its file.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "reports/model/diagnostics.h"

namespace pb::cli {

// Whether this build has libpcap (without it, --capture is refused).
bool capture_supported();

// Where a scenario of `path` is captured: reports::kCaptureDutIngress or kCaptureTgEgress.
const char* capture_where(std::string_view path);

// The pcap file of `scenario` beside `report_path`: R.json -> R.<scenario>.pcap, with
// each character of the name outside [A-Za-z0-9._-] written '_'
// ("kernel-udp/rate=max" -> R.kernel-udp_rate_max.pcap).
std::string capture_path(const std::string& report_path, const std::string& scenario);

struct CapturePlan {
  unsigned packets = 0;       // N >= 1
  const char* where = reports::kCaptureDutIngress;
  int netns_fd = -1;          // the interface's netns
  std::string netns_name;
  std::string interface;
  std::string path;           // the file to write
  std::string generator;      // the scenario's generator (xdp-live: no tg-egress tap sees it)
};

class ScenarioCapture {
 public:
  // Opens the interface inside its netns (on a thread that entered it), creates the file
  // and starts capturing. Throws std::runtime_error with libpcap's message (nothing left
  // behind).
  explicit ScenarioCapture(CapturePlan plan);
  ScenarioCapture(const ScenarioCapture&) = delete;
  ScenarioCapture& operator=(const ScenarioCapture&) = delete;
  // Not finished: stops, closes and removes the file.
  ~ScenarioCapture();

  // Stops (when fewer than N packets came), closes the file and returns the record.
  reports::Capture finish();

  struct State;

 private:
  CapturePlan plan_;
  std::unique_ptr<State> state_;
  bool finished_ = false;
};

}  // namespace pb::cli
