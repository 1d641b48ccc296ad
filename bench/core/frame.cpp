#include "bench/core/frame.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"

namespace pb::core {

namespace {

in_addr parse_ipv4(const std::string& s, const char* field) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) throw core::UsageError(fmt::format("{}: not an IPv4 address: '{}'", field, s));
  return a;
}

void put_be16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

}  // namespace

uint16_t inet_checksum(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += uint32_t(p[i]) << 8 | p[i + 1];
  if (len & 1) sum += uint32_t(p[len - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

void validate_frame_spec(const FrameSpec& spec, unsigned flows) {
  if (spec.frame_size < kMinFrameSize || spec.frame_size > kMaxFrameSize)
    throw core::UsageError(
        fmt::format("frame_size {} outside [{}, {}]", spec.frame_size, kMinFrameSize, kMaxFrameSize));
  if (flows == 0) throw core::UsageError("flows must be >= 1");
  if (uint32_t(spec.src_port_base) + flows - 1 > 65535)
    throw core::UsageError(
        fmt::format("src_port_base {} + {} flows exceeds port 65535", spec.src_port_base, flows));
  if (spec.dst_port == 0) throw core::UsageError("dst_port must be set");
  parse_ipv4(spec.src_ip, "src_ip");
  parse_ipv4(spec.dst_ip, "dst_ip");
}

std::vector<uint8_t> build_udp_frame(const FrameSpec& spec, uint32_t flow) {
  validate_frame_spec(spec, flow + 1);
  std::vector<uint8_t> f(spec.frame_size, 0);
  std::memcpy(&f[0], spec.dst_mac.data(), 6);
  std::memcpy(&f[6], spec.src_mac.data(), 6);
  put_be16(&f[12], 0x0800);

  // The IP and UDP lengths cover the whole frame after the Ethernet header: the padding is
  // payload, as the udp-socket generator's zero-filled datagram is.
  uint8_t* ip = &f[kFrameIpOffset];
  ip[0] = 0x45;  // version 4, IHL 5
  ip[1] = 0;     // DSCP/ECN
  put_be16(ip + 2, uint16_t(spec.frame_size - kEthHeaderLen));
  put_be16(ip + 4, 0);       // id: DF set, never fragmented
  put_be16(ip + 6, 0x4000);  // DF
  ip[8] = 64;                // TTL
  ip[9] = IPPROTO_UDP;
  in_addr src = parse_ipv4(spec.src_ip, "src_ip");
  in_addr dst = parse_ipv4(spec.dst_ip, "dst_ip");
  std::memcpy(ip + 12, &src, 4);
  std::memcpy(ip + 16, &dst, 4);
  put_be16(ip + 10, inet_checksum(ip, kIpv4HeaderLen));

  uint8_t* udp = &f[kFrameUdpOffset];
  put_be16(udp + 2, spec.dst_port);
  put_be16(udp + 4, uint16_t(spec.frame_size - kEthHeaderLen - kIpv4HeaderLen));
  put_be16(udp + 6, 0);  // no checksum (allowed for IPv4)
  stamp_frame(f.data(), spec.src_port_base, flow, 0, 0);
  return f;
}

bool parse_frame_tag(const uint8_t* frame, size_t len, pb_payload* tag) {
  if (len < kEthHeaderLen + kIpv4HeaderLen || frame[12] != 0x08 || frame[13] != 0x00) return false;
  const uint8_t* ip = frame + kEthHeaderLen;
  const size_t ihl = size_t(ip[0] & 0x0f) * 4;
  if ((ip[0] >> 4) != 4 || ihl < kIpv4HeaderLen || ip[9] != kIpProtoUdp) return false;
  const size_t tag_off = kEthHeaderLen + ihl + kUdpHeaderLen;
  if (len < tag_off + sizeof(pb_payload)) return false;
  std::memcpy(tag, frame + tag_off, sizeof(*tag));
  return true;
}

MacAddr parse_mac(const std::string& text, const char* field) {
  MacAddr m{};
  unsigned v[6];
  char tail;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6 ||
      text.size() != 17)
    throw core::UsageError(fmt::format("{}: not a MAC address: '{}'", field, text));
  for (int i = 0; i < 6; ++i) m[i] = uint8_t(v[i]);
  return m;
}

std::string format_mac(const MacAddr& m) {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m[0], m[1], m[2], m[3], m[4], m[5]);
}

}  // namespace pb::core
