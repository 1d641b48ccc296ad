// Packet fixtures for BPF_PROG_TEST_RUN tests: whole Ethernet frames (no FCS) built byte
// by byte, so a test states exactly what the program under test sees.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bench/core/payload.h"

namespace pb::test {

inline constexpr std::array<uint8_t, 6> kTgMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr std::array<uint8_t, 6> kDutMac = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
inline constexpr uint32_t kTgIp = 0xc6120001;   // 198.18.0.1, host order
inline constexpr uint32_t kDutIp = 0xc6120002;  // 198.18.0.2
inline constexpr uint16_t kDstPort = 9;
inline constexpr uint16_t kSrcPortBase = 10000;
inline constexpr size_t kEthLen = 14, kVlanLen = 4, kIpv4Len = 20, kUdpLen = 8, kTcpLen = 20;
// Ethernet + IPv4 + UDP + pb_payload: the smallest tagged frame.
inline constexpr size_t kTaggedFrameLen = kEthLen + kIpv4Len + kUdpLen + sizeof(pb_payload);  // 66

namespace detail {

inline void put16(std::vector<uint8_t>& f, size_t off, uint16_t host) {
  uint16_t be = htons(host);
  std::memcpy(f.data() + off, &be, 2);
}

inline void put32(std::vector<uint8_t>& f, size_t off, uint32_t host) {
  uint32_t be = htonl(host);
  std::memcpy(f.data() + off, &be, 4);
}

// TG -> DUT Ethernet header with `ethertype`; returns the offset after it.
inline size_t put_eth(std::vector<uint8_t>& f, uint16_t ethertype) {
  std::memcpy(f.data(), kDutMac.data(), 6);
  std::memcpy(f.data() + 6, kTgMac.data(), 6);
  put16(f, 12, ethertype);
  return kEthLen;
}

// An IPv4 header (checksum filled) at `off` whose total length runs to the end of the frame
// (or claims `ihl` words, which may exceed the frame); returns the offset after ihl*4.
inline size_t put_ipv4(std::vector<uint8_t>& f, size_t off, uint8_t proto, uint8_t ihl = 5) {
  f[off] = uint8_t(0x40 | (ihl & 0x0f));
  put16(f, off + 2, uint16_t(f.size() - off));
  put16(f, off + 6, 0x4000);  // DF, no fragment offset
  f[off + 8] = 64;
  f[off + 9] = proto;
  put32(f, off + 12, kTgIp);
  put32(f, off + 16, kDutIp);
  uint32_t sum = 0;
  for (size_t i = 0; i < kIpv4Len; i += 2) sum += uint32_t(f[off + i] << 8 | f[off + i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put16(f, off + 10, uint16_t(~sum));
  return off + size_t(ihl) * 4;
}

// A UDP header (checksum 0: none) at `off` covering the rest of the frame.
inline size_t put_udp(std::vector<uint8_t>& f, size_t off, uint16_t sport) {
  put16(f, off, sport);
  put16(f, off + 2, kDstPort);
  put16(f, off + 4, uint16_t(f.size() - off));
  return off + kUdpLen;
}

inline void put_tag(std::vector<uint8_t>& f, size_t off, uint32_t flow, uint64_t seq, uint64_t tx_ns) {
  pb_payload p{PB_PAYLOAD_MAGIC, flow, seq, tx_ns};  // host order, as the generators write it
  std::memcpy(f.data() + off, &p, sizeof(p));
}

}  // namespace detail

// Ethernet/IPv4/UDP to port 9 carrying a pb_payload stamped tx_ns; frame_size >= 66.
inline std::vector<uint8_t> tagged_udp_frame(uint64_t tx_ns, size_t frame_size = kTaggedFrameLen, uint32_t flow = 0,
                                             uint64_t seq = 0) {
  std::vector<uint8_t> f(frame_size < kTaggedFrameLen ? kTaggedFrameLen : frame_size);
  size_t off = detail::put_eth(f, 0x0800);
  off = detail::put_ipv4(f, off, 17);
  off = detail::put_udp(f, off, uint16_t(kSrcPortBase + flow));
  detail::put_tag(f, off, flow, seq, tx_ns);
  return f;
}

// The same frame shape with a payload of zeros: valid UDP, no tag.
inline std::vector<uint8_t> untagged_udp_frame(size_t frame_size = kTaggedFrameLen) {
  std::vector<uint8_t> f(frame_size < kEthLen + kIpv4Len + kUdpLen ? kEthLen + kIpv4Len + kUdpLen : frame_size);
  size_t off = detail::put_eth(f, 0x0800);
  off = detail::put_ipv4(f, off, 17);
  detail::put_udp(f, off, kSrcPortBase);
  return f;
}

// Ethernet/IPv4/TCP (a bare SYN, padded): not UDP.
inline std::vector<uint8_t> tcp_frame(size_t frame_size = kTaggedFrameLen) {
  std::vector<uint8_t> f(frame_size < kEthLen + kIpv4Len + kTcpLen ? kEthLen + kIpv4Len + kTcpLen : frame_size);
  size_t off = detail::put_eth(f, 0x0800);
  off = detail::put_ipv4(f, off, 6);
  detail::put16(f, off, kSrcPortBase);
  detail::put16(f, off + 2, 80);
  f[off + 12] = 5 << 4;  // data offset
  f[off + 13] = 0x02;    // SYN
  return f;
}

// `size` bytes of a frame that starts like a tagged one and is cut short.
inline std::vector<uint8_t> runt_frame(size_t size) {
  std::vector<uint8_t> f = tagged_udp_frame(0);
  f.resize(size);
  return f;
}

// A 66-byte IPv4/UDP frame whose header claims ihl=15 (60 bytes): its UDP header would
// start beyond the end of the frame.
inline std::vector<uint8_t> ipv4_long_ihl_frame(uint64_t tx_ns) {
  std::vector<uint8_t> f = tagged_udp_frame(tx_ns);
  f[kEthLen] = 0x4f;
  return f;
}

// A tagged UDP frame inside an 802.1Q tag (VLAN 100): not parsed, so malformed.
inline std::vector<uint8_t> vlan_udp_frame(uint64_t tx_ns) {
  std::vector<uint8_t> f(kTaggedFrameLen + kVlanLen);
  size_t off = detail::put_eth(f, 0x8100);
  detail::put16(f, off, 100);
  detail::put16(f, off + 2, 0x0800);
  off += kVlanLen;
  off = detail::put_ipv4(f, off, 17);
  off = detail::put_udp(f, off, kSrcPortBase);
  detail::put_tag(f, off, 0, 0, tx_ns);
  return f;
}

}  // namespace pb::test
