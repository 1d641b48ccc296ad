// The settings a scenario names (DESIGN.md "Scenario"), as the enums every layer uses, each
// with the one table of its names: the suite parses a name once, the report and logs print it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pb::core {

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

// XDP attach modes: the driver's own hook (native, XDP_FLAGS_DRV_MODE) or the generic hook
// after skb allocation (generic, XDP_FLAGS_SKB_MODE).
enum class XdpMode { kNative, kGeneric };
inline constexpr std::array<EnumName<XdpMode>, 2> kXdpModeNames{{{XdpMode::kNative, "native"},
                                                                 {XdpMode::kGeneric, "generic"}}};

// What the afxdp path's sockets do with a frame after counting it.
enum class AfxdpMode { kRxDrop, kL2Fwd };
inline constexpr std::array<EnumName<AfxdpMode>, 2> kAfxdpModeNames{{{AfxdpMode::kRxDrop, "rxdrop"},
                                                                     {AfxdpMode::kL2Fwd, "l2fwd"}}};

// kernel-tcp: a bulk stream (TCP_STREAM) or request/response (TCP_RR).
enum class TcpMode { kStream, kRr };
inline constexpr std::array<EnumName<TcpMode>, 2> kTcpModeNames{{{TcpMode::kStream, "stream"}, {TcpMode::kRr, "rr"}}};

// The dpdk path's poll-mode driver and forwarding engine.
enum class DpdkPmd { kAfXdp, kAfPacket, kPci };
inline constexpr std::array<EnumName<DpdkPmd>, 3> kDpdkPmdNames{
    {{DpdkPmd::kAfXdp, "af_xdp"}, {DpdkPmd::kAfPacket, "af_packet"}, {DpdkPmd::kPci, "pci"}}};
enum class DpdkEngine { kRxOnly, kIo, kMacSwap };
inline constexpr std::array<EnumName<DpdkEngine>, 3> kDpdkEngineNames{
    {{DpdkEngine::kRxOnly, "rxonly"}, {DpdkEngine::kIo, "io"}, {DpdkEngine::kMacSwap, "macswap"}}};

// The TG's egress qdisc; tbf and htb take a rate as tc writes it ("tbf:100mbit").
enum class QdiscKind { kDefault, kNoqueue, kPfifoFast, kTbf, kHtb };
inline constexpr std::array<EnumName<QdiscKind>, 5> kQdiscKindNames{{{QdiscKind::kDefault, "default"},
                                                                     {QdiscKind::kNoqueue, "noqueue"},
                                                                     {QdiscKind::kPfifoFast, "pfifo_fast"},
                                                                     {QdiscKind::kTbf, "tbf"},
                                                                     {QdiscKind::kHtb, "htb"}}};
struct Qdisc {
  QdiscKind kind = QdiscKind::kDefault;
  std::string rate;  // tbf and htb only
  bool operator==(const Qdisc&) const = default;
};

// Where packets flow: two namespaces pathbench makes (veth), or a lab's interfaces.
// Throughput measurement: trials at the given rate, or an NDR/PDR search.
enum class SearchMode { kMax, kNdrPdr };
inline constexpr std::array<EnumName<SearchMode>, 2> kSearchModeNames{{{SearchMode::kMax, "max"},
                                                                      {SearchMode::kNdrPdr, "ndr-pdr"}}};

enum class TopologyKind { kVeth, kLab };
inline constexpr std::array<EnumName<TopologyKind>, 2> kTopologyNames{{{TopologyKind::kVeth, "veth"},
                                                                       {TopologyKind::kLab, "lab"}}};

// The name of `value` in `names`.
template <typename E, size_t N>
constexpr std::string_view name_of(const std::array<EnumName<E>, N>& names, E value) {
  for (const auto& n : names)
    if (n.value == value) return n.name;
  return "?";
}

// The value named `name`, or nothing.
template <typename E, size_t N>
constexpr std::optional<E> value_of(const std::array<EnumName<E>, N>& names, std::string_view name) {
  for (const auto& n : names)
    if (n.name == name) return n.value;
  return std::nullopt;
}

// Every spelling in `names`, in order: for error messages and --help.
template <typename E, size_t N>
std::vector<std::string_view> names_of(const std::array<EnumName<E>, N>& names) {
  std::vector<std::string_view> out;
  for (const auto& n : names) out.push_back(n.name);
  return out;
}

inline std::string_view name(XdpMode v) { return name_of(kXdpModeNames, v); }
inline std::string_view name(AfxdpMode v) { return name_of(kAfxdpModeNames, v); }
inline std::string_view name(TcpMode v) { return name_of(kTcpModeNames, v); }
inline std::string_view name(DpdkPmd v) { return name_of(kDpdkPmdNames, v); }
inline std::string_view name(DpdkEngine v) { return name_of(kDpdkEngineNames, v); }
inline std::string_view name(TopologyKind v) { return name_of(kTopologyNames, v); }
// "default", "noqueue", "pfifo_fast", "tbf:RATE", "htb:RATE": as the user writes it.
inline std::string name(const Qdisc& q) {
  std::string s(name_of(kQdiscKindNames, q.kind));
  return q.rate.empty() ? s : s + ":" + q.rate;
}

}  // namespace pb::core
