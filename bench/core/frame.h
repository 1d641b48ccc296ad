// The wire format of a pathbench frame. Templates for the raw-frame generators (xdp-live,
// afpacket): the same wire bytes the udp-socket generator makes the kernel send, built in
// user space: Ethernet + IPv4 (valid header checksum, DF, TTL 64) + UDP (checksum 0) +
// struct pb_payload + zero padding. And the one rule receivers read a frame's tag by.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "bench/core/payload.h"

namespace pb::core {

using MacAddr = std::array<uint8_t, 6>;

inline constexpr size_t kEthHeaderLen = 14;
inline constexpr size_t kIpv4HeaderLen = 20;
inline constexpr size_t kUdpHeaderLen = 8;
inline constexpr size_t kFrameIpOffset = kEthHeaderLen;                       // 14
inline constexpr size_t kFrameUdpOffset = kFrameIpOffset + kIpv4HeaderLen;    // 34
inline constexpr size_t kFrameSrcPortOffset = kFrameUdpOffset;                // 34, big endian
inline constexpr size_t kFramePayloadOffset = kFrameUdpOffset + kUdpHeaderLen;  // 42: struct pb_payload
inline constexpr size_t kMinFrameSize = kFramePayloadOffset + sizeof(pb_payload);  // 66
// Ethernet + IPv4 + UDP header bytes: a UDP payload of n bytes is a frame of n + 42.
inline constexpr unsigned kUdpFrameOverhead = unsigned(kFramePayloadOffset);
inline constexpr uint8_t kIpProtoUdp = 17;
// Largest frame either raw generator can send: one page minus XDP head/tailroom, a
// conservative bound that also fits a default 1500-byte MTU plus the Ethernet header.
inline constexpr size_t kMaxFrameSize = 1514;

// What every frame of one generator run looks like; flows differ only in the UDP source port.
struct FrameSpec {
  MacAddr src_mac{};
  MacAddr dst_mac{};
  std::string src_ip = "198.18.0.1";
  std::string dst_ip = "198.18.0.2";
  uint16_t src_port_base = 10000;  // flow f sends from src_port_base + f
  uint16_t dst_port = 9;
  unsigned frame_size = 128;       // Ethernet bytes without FCS, in [kMinFrameSize, kMaxFrameSize]
};

// Checks sizes, addresses and ports (src_port_base + flows - 1 <= 65535); throws
// pb::core::UsageError naming the bad field.
void validate_frame_spec(const FrameSpec& spec, unsigned flows);

// The frame of flow `flow` with tag {magic, flow, seq 0, tx_ns 0}; throws UsageError on a bad spec.
std::vector<uint8_t> build_udp_frame(const FrameSpec& spec, uint32_t flow = 0);

// Writes the tag (magic, flow, seq, tx_ns) and the UDP source port src_port_base + flow into a
// frame built by build_udp_frame. Nothing else changes: the IPv4 checksum does not cover
// ports and the UDP checksum stays 0.
inline void stamp_frame(uint8_t* frame, uint16_t src_port_base, uint32_t flow, uint64_t seq, uint64_t tx_ns) {
  uint16_t port = uint16_t(src_port_base + flow);
  frame[kFrameSrcPortOffset] = uint8_t(port >> 8);
  frame[kFrameSrcPortOffset + 1] = uint8_t(port);
  pb_payload tag{PB_PAYLOAD_MAGIC, flow, seq, tx_ns};
  __builtin_memcpy(frame + kFramePayloadOffset, &tag, sizeof(tag));
}

// Reads the payload tag of a received frame into *tag, by the one rule every frame
// receiver applies: EtherType IPv4 (no VLAN tag), IPv4 version 4 with any IHL >= 5 (options
// allowed), protocol UDP, and a whole struct pb_payload right after the 8-byte UDP header,
// all within `len` bytes. False (and *tag untouched) for any other frame. It does not look
// at magic or flow id: what counts as delivered is tag_counter.h's is_delivered().
bool parse_frame_tag(const uint8_t* frame, size_t len, pb_payload* tag);

// parse_frame_tag with the case every generator sends (IHL 5) inline, for per-packet
// loops; it gives the same answer as parse_frame_tag on every frame.
inline bool parse_frame_tag_fast(const uint8_t* frame, size_t len, pb_payload* tag) {
  // Any IHL >= 5 needs at least kMinFrameSize bytes, so a shorter frame fails both ways.
  if (len < kMinFrameSize || frame[12] != 0x08 || frame[13] != 0x00) return false;
  if (frame[kFrameIpOffset] != 0x45) return parse_frame_tag(frame, len, tag);  // options, or not IPv4
  if (frame[kFrameIpOffset + 9] != kIpProtoUdp) return false;
  std::memcpy(tag, frame + kFramePayloadOffset, sizeof(*tag));
  return true;
}

// Reads the tag at the start of a UDP payload of `len` bytes (what a UDP socket reads)
// into *tag; false when the payload is shorter than a tag.
inline bool parse_payload_tag(const void* payload, size_t len, pb_payload* tag) {
  if (len < sizeof(pb_payload)) return false;
  std::memcpy(tag, payload, sizeof(*tag));
  return true;
}

// The RFC 1071 ones' complement sum over `len` bytes, folded and inverted (0 when a header
// that already carries its checksum is valid).
uint16_t inet_checksum(const void* data, size_t len);

// "aa:bb:cc:dd:ee:ff" -> bytes; throws UsageError naming `field` when malformed.
MacAddr parse_mac(const std::string& text, const char* field = "mac");
std::string format_mac(const MacAddr& mac);

}  // namespace pb::core
