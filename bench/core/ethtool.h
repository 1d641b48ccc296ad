// Ethtool over the SIOCETHTOOL ioctl, inside a netns: the feature knobs a topology sets, and
// the reads `ethtool -S/-i/-l/-g/-c/-k/-x/-n` make.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bench/core/unique_fd.h"

namespace pb::core {

// GRO on `ifname` in `netns_fd` (-1: the caller's netns). A veth end with GRO on takes XDP
// frames (XDP_TX / redirect from its peer) even without an XDP program of its own.
void set_gro(int netns_fd, const std::string& ifname, bool on);
bool get_gro(int netns_fd, const std::string& ifname);
// TSO on `ifname`. veth takes a peer's UDP skb into its NAPI path (real RX queues) only when
// the peer does not do TSO (or the receiver has rx-udp-gro-forwarding).
void set_tso(int netns_fd, const std::string& ifname, bool on);

// Named values in the driver's or the struct's order.
using EthtoolValues = std::vector<std::pair<std::string, uint64_t>>;
using EthtoolStrings = std::vector<std::pair<std::string, std::string>>;

// RSS indirection table and key (ETHTOOL_GRSSH).
struct EthtoolRss {
  uint32_t hfunc = 0;  // ETH_RSS_HASH_* bits
  std::vector<uint32_t> indir;
  std::vector<uint8_t> key;
};

// The read side of ethtool for the links of one netns: one AF_INET socket opened there
// (SIOCETHTOOL acts in the socket's netns), so no call changes the thread's netns. Every
// read throws std::system_error with the ioctl's errno (EOPNOTSUPP: the driver has no such
// operation) and the command and interface in its message.
class EthtoolReader {
 public:
  // Opens the socket in `netns_fd` (-1: the caller's netns).
  explicit EthtoolReader(int netns_fd = -1);

  // -S: driver statistics (GSSET_INFO, GSTRINGS and GSTATS for ETH_SS_STATS); empty when
  // the driver has none.
  EthtoolValues stats(const std::string& ifname) const;
  // -i: driver, version, firmware-version, bus-info (GDRVINFO).
  EthtoolStrings driver_info(const std::string& ifname) const;
  // -l: max_rx, max_tx, max_other, max_combined, rx, tx, other, combined (GCHANNELS).
  EthtoolValues channels(const std::string& ifname) const;
  // -g: rx_max_pending, ..., tx_pending (GRINGPARAM).
  EthtoolValues rings(const std::string& ifname) const;
  // -c: every field of struct ethtool_coalesce (GCOALESCE).
  EthtoolValues coalesce(const std::string& ifname) const;
  // -k: feature name (ETH_SS_FEATURES) -> "on" | "off", with " [fixed]" when it cannot be
  // changed and " [requested on|off]" when the request differs (GFEATURES).
  EthtoolStrings features(const std::string& ifname) const;
  // -x: the RSS table and key (GRSSH).
  EthtoolRss rss(const std::string& ifname) const;
  // -n rx-flow-hash: "tcp4", "udp4", "tcp6", "udp6" -> the fields hashed (GRXFH), as
  // ethtool names them ("src-ip dst-ip src-port dst-port").
  EthtoolStrings rx_flow_hash(const std::string& ifname) const;

 private:
  void call(const std::string& ifname, void* data, const char* what) const;
  std::vector<std::string> strings(const std::string& ifname, uint32_t set) const;
  UniqueFd fd_;
};

}  // namespace pb::core
