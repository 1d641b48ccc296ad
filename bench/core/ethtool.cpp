#include "bench/core/ethtool.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstring>
#include <memory>

#include "bench/core/errors.h"
#include "bench/core/netns.h"

namespace pb::core {

namespace {

void check_ifname(const std::string& ifname) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) throw UsageError("bad interface name '" + ifname + "'");
}

void ethtool_ioctl(int netns_fd, const std::string& ifname, ethtool_value& v, const std::string& what) {
  check_ifname(ifname);
  NetnsGuard in_ns(netns_fd);
  UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno(what + " " + ifname + ": socket");
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  ifr.ifr_data = reinterpret_cast<char*>(&v);
  if (ioctl(fd.get(), SIOCETHTOOL, &ifr) != 0) throw_errno(what + " " + ifname);
}

// A variable-length ethtool argument: a header struct followed by `extra` bytes, 8-aligned.
template <typename T>
struct Buffer {
  explicit Buffer(size_t extra) : bytes((sizeof(T) + extra + 7) / 8) {}
  T* get() { return reinterpret_cast<T*>(bytes.data()); }
  std::vector<uint64_t> bytes;
};

#define PB_FIELD(s, f) EthtoolValues::value_type(#f, uint64_t(s.f))

}  // namespace

void set_gro(int netns_fd, const std::string& ifname, bool on) {
  ethtool_value v{};
  v.cmd = ETHTOOL_SGRO;
  v.data = on ? 1 : 0;
  ethtool_ioctl(netns_fd, ifname, v, on ? "ethtool: GRO on" : "ethtool: GRO off");
}

void set_tso(int netns_fd, const std::string& ifname, bool on) {
  ethtool_value v{};
  v.cmd = ETHTOOL_STSO;
  v.data = on ? 1 : 0;
  ethtool_ioctl(netns_fd, ifname, v, on ? "ethtool: TSO on" : "ethtool: TSO off");
}

bool get_gro(int netns_fd, const std::string& ifname) {
  ethtool_value v{};
  v.cmd = ETHTOOL_GGRO;
  ethtool_ioctl(netns_fd, ifname, v, "ethtool: read GRO");
  return v.data != 0;
}

EthtoolReader::EthtoolReader(int netns_fd) {
  NetnsGuard in_ns(netns_fd);
  fd_.reset(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd_) throw_errno("ethtool: socket");
}

void EthtoolReader::call(const std::string& ifname, void* data, const char* what) const {
  check_ifname(ifname);
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, ifname.c_str(), ifname.size());
  ifr.ifr_data = static_cast<char*>(data);
  if (ioctl(fd_.get(), SIOCETHTOOL, &ifr) != 0) throw_errno(std::string("ethtool ") + what + " " + ifname);
}

std::vector<std::string> EthtoolReader::strings(const std::string& ifname, uint32_t set) const {
  Buffer<ethtool_sset_info> info(sizeof(uint32_t));
  info.get()->cmd = ETHTOOL_GSSET_INFO;
  info.get()->sset_mask = 1ull << set;
  call(ifname, info.get(), "GSSET_INFO");
  if (!(info.get()->sset_mask & (1ull << set))) return {};
  uint32_t n = info.get()->data[0];
  Buffer<ethtool_gstrings> str(size_t(n) * ETH_GSTRING_LEN);
  str.get()->cmd = ETHTOOL_GSTRINGS;
  str.get()->string_set = set;
  str.get()->len = n;
  call(ifname, str.get(), "GSTRINGS");
  std::vector<std::string> out;
  const char* base = reinterpret_cast<const char*>(str.get()->data);
  for (uint32_t i = 0; i < str.get()->len && i < n; ++i)
    out.emplace_back(base + size_t(i) * ETH_GSTRING_LEN, strnlen(base + size_t(i) * ETH_GSTRING_LEN, ETH_GSTRING_LEN));
  return out;
}

EthtoolValues EthtoolReader::stats(const std::string& ifname) const {
  std::vector<std::string> names = strings(ifname, ETH_SS_STATS);
  EthtoolValues out;
  if (names.empty()) return out;
  Buffer<ethtool_stats> st(names.size() * sizeof(uint64_t));
  st.get()->cmd = ETHTOOL_GSTATS;
  st.get()->n_stats = uint32_t(names.size());
  call(ifname, st.get(), "GSTATS");
  // The set can change size between the calls (a queue count change): take what both have.
  size_t n = std::min<size_t>(names.size(), st.get()->n_stats);
  for (size_t i = 0; i < n; ++i) out.emplace_back(names[i], st.get()->data[i]);
  return out;
}

EthtoolStrings EthtoolReader::driver_info(const std::string& ifname) const {
  ethtool_drvinfo d{};
  d.cmd = ETHTOOL_GDRVINFO;
  call(ifname, &d, "GDRVINFO");
  auto s = [](const char* p, size_t n) { return std::string(p, strnlen(p, n)); };
  return {{"driver", s(d.driver, sizeof d.driver)},
          {"version", s(d.version, sizeof d.version)},
          {"firmware-version", s(d.fw_version, sizeof d.fw_version)},
          {"bus-info", s(d.bus_info, sizeof d.bus_info)}};
}

EthtoolValues EthtoolReader::channels(const std::string& ifname) const {
  ethtool_channels c{};
  c.cmd = ETHTOOL_GCHANNELS;
  call(ifname, &c, "GCHANNELS");
  return {PB_FIELD(c, max_rx), PB_FIELD(c, max_tx), PB_FIELD(c, max_other), PB_FIELD(c, max_combined),
          PB_FIELD(c, rx_count), PB_FIELD(c, tx_count), PB_FIELD(c, other_count), PB_FIELD(c, combined_count)};
}

EthtoolValues EthtoolReader::rings(const std::string& ifname) const {
  ethtool_ringparam r{};
  r.cmd = ETHTOOL_GRINGPARAM;
  call(ifname, &r, "GRINGPARAM");
  return {PB_FIELD(r, rx_max_pending), PB_FIELD(r, rx_mini_max_pending), PB_FIELD(r, rx_jumbo_max_pending),
          PB_FIELD(r, tx_max_pending), PB_FIELD(r, rx_pending),          PB_FIELD(r, rx_mini_pending),
          PB_FIELD(r, rx_jumbo_pending), PB_FIELD(r, tx_pending)};
}

EthtoolValues EthtoolReader::coalesce(const std::string& ifname) const {
  ethtool_coalesce c{};
  c.cmd = ETHTOOL_GCOALESCE;
  call(ifname, &c, "GCOALESCE");
  return {PB_FIELD(c, rx_coalesce_usecs),          PB_FIELD(c, rx_max_coalesced_frames),
          PB_FIELD(c, rx_coalesce_usecs_irq),      PB_FIELD(c, rx_max_coalesced_frames_irq),
          PB_FIELD(c, tx_coalesce_usecs),          PB_FIELD(c, tx_max_coalesced_frames),
          PB_FIELD(c, tx_coalesce_usecs_irq),      PB_FIELD(c, tx_max_coalesced_frames_irq),
          PB_FIELD(c, stats_block_coalesce_usecs), PB_FIELD(c, use_adaptive_rx_coalesce),
          PB_FIELD(c, use_adaptive_tx_coalesce),   PB_FIELD(c, pkt_rate_low),
          PB_FIELD(c, rx_coalesce_usecs_low),      PB_FIELD(c, rx_max_coalesced_frames_low),
          PB_FIELD(c, tx_coalesce_usecs_low),      PB_FIELD(c, tx_max_coalesced_frames_low),
          PB_FIELD(c, pkt_rate_high),              PB_FIELD(c, rx_coalesce_usecs_high),
          PB_FIELD(c, rx_max_coalesced_frames_high), PB_FIELD(c, tx_coalesce_usecs_high),
          PB_FIELD(c, tx_max_coalesced_frames_high), PB_FIELD(c, rate_sample_interval)};
}

EthtoolStrings EthtoolReader::features(const std::string& ifname) const {
  std::vector<std::string> names = strings(ifname, ETH_SS_FEATURES);
  size_t blocks = (names.size() + 31) / 32;
  Buffer<ethtool_gfeatures> g(blocks * sizeof(ethtool_get_features_block));
  g.get()->cmd = ETHTOOL_GFEATURES;
  g.get()->size = uint32_t(blocks);
  call(ifname, g.get(), "GFEATURES");
  EthtoolStrings out;
  for (size_t i = 0; i < names.size() && i / 32 < g.get()->size; ++i) {
    if (names[i].empty()) continue;
    const ethtool_get_features_block& b = g.get()->features[i / 32];
    uint32_t bit = 1u << (i % 32);
    bool active = b.active & bit, requested = b.requested & bit;
    std::string v = active ? "on" : "off";
    if (!(b.available & bit) || (b.never_changed & bit)) v += " [fixed]";
    else if (requested != active) v += requested ? " [requested on]" : " [requested off]";
    out.emplace_back(names[i], v);
  }
  return out;
}

EthtoolRss EthtoolReader::rss(const std::string& ifname) const {
  ethtool_rxfh probe{};
  probe.cmd = ETHTOOL_GRSSH;
  call(ifname, &probe, "GRSSH");  // sizes only
  Buffer<ethtool_rxfh> full(size_t(probe.indir_size) * sizeof(uint32_t) + probe.key_size);
  full.get()->cmd = ETHTOOL_GRSSH;
  full.get()->indir_size = probe.indir_size;
  full.get()->key_size = probe.key_size;
  call(ifname, full.get(), "GRSSH");
  EthtoolRss out;
  out.hfunc = full.get()->hfunc;
  const uint32_t* indir = full.get()->rss_config;
  out.indir.assign(indir, indir + full.get()->indir_size);
  const auto* key = reinterpret_cast<const uint8_t*>(indir + full.get()->indir_size);
  out.key.assign(key, key + full.get()->key_size);
  return out;
}

EthtoolStrings EthtoolReader::rx_flow_hash(const std::string& ifname) const {
  static constexpr std::pair<const char*, uint32_t> kFlows[] = {
      {"tcp4", TCP_V4_FLOW}, {"udp4", UDP_V4_FLOW}, {"tcp6", TCP_V6_FLOW}, {"udp6", UDP_V6_FLOW}};
  static constexpr std::pair<uint64_t, const char*> kBits[] = {
      {RXH_L2DA, "dst-mac"},   {RXH_VLAN, "vlan"},       {RXH_L3_PROTO, "l3-proto"}, {RXH_IP_SRC, "src-ip"},
      {RXH_IP_DST, "dst-ip"},  {RXH_L4_B_0_1, "src-port"}, {RXH_L4_B_2_3, "dst-port"}, {RXH_DISCARD, "discard"}};
  EthtoolStrings out;
  for (const auto& [name, flow] : kFlows) {
    ethtool_rxnfc n{};
    n.cmd = ETHTOOL_GRXFH;
    n.flow_type = flow;
    call(ifname, &n, "GRXFH");
    std::string fields;
    for (const auto& [bit, what] : kBits)
      if (n.data & bit) {
        if (!fields.empty()) fields += ' ';
        fields += what;
      }
    out.emplace_back(name, fields.empty() ? "none" : fields);
  }
  return out;
}

}  // namespace pb::core
