#include "bench/core/frame.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <cstring>

#include "bench/core/errors.h"
#include "bench/traffic/udp_generator.h"

namespace pb::core {
namespace {

uint16_t be16(const std::vector<uint8_t>& f, size_t off) { return uint16_t(f[off] << 8 | f[off + 1]); }

FrameSpec spec(unsigned size) {
  FrameSpec s;
  s.src_mac = parse_mac("02:00:00:00:00:01");
  s.dst_mac = parse_mac("02:00:00:00:00:02");
  s.frame_size = size;
  return s;
}

TEST(FrameBuilder, OffsetsMatchTheUdpGenerator) {
  EXPECT_EQ(kFramePayloadOffset, size_t(kUdpFrameOverhead));
  EXPECT_EQ(kMinFrameSize, 66u);
}

TEST(FrameBuilder, HeadersAndLengths) {
  for (unsigned size : {66u, 128u, 1514u}) {
    std::vector<uint8_t> f = build_udp_frame(spec(size), 0);
    ASSERT_EQ(f.size(), size);
    EXPECT_EQ(std::memcmp(&f[0], spec(size).dst_mac.data(), 6), 0);
    EXPECT_EQ(std::memcmp(&f[6], spec(size).src_mac.data(), 6), 0);
    EXPECT_EQ(be16(f, 12), 0x0800);
    const size_t ip = kFrameIpOffset;
    EXPECT_EQ(f[ip], 0x45);
    EXPECT_EQ(be16(f, ip + 2), size - 14);  // IPv4 total length
    EXPECT_EQ(be16(f, ip + 6), 0x4000);     // DF, offset 0
    EXPECT_EQ(f[ip + 8], 64);               // TTL
    EXPECT_EQ(f[ip + 9], IPPROTO_UDP);
    in_addr src, dst;
    std::memcpy(&src, &f[ip + 12], 4);
    std::memcpy(&dst, &f[ip + 16], 4);
    EXPECT_EQ(src.s_addr, inet_addr("198.18.0.1"));
    EXPECT_EQ(dst.s_addr, inet_addr("198.18.0.2"));
    EXPECT_EQ(inet_checksum(&f[ip], kIpv4HeaderLen), 0) << "IPv4 header checksum must verify";
    EXPECT_NE(be16(f, ip + 10), 0);
    const size_t udp = kFrameUdpOffset;
    EXPECT_EQ(be16(f, udp), 10000);
    EXPECT_EQ(be16(f, udp + 2), 9);
    EXPECT_EQ(be16(f, udp + 4), size - 34);  // UDP length
    EXPECT_EQ(be16(f, udp + 6), 0);          // no UDP checksum
    for (size_t i = kMinFrameSize; i < size; ++i) ASSERT_EQ(f[i], 0) << "padding byte " << i;
  }
}

TEST(FrameBuilder, TagAndFlowPort) {
  std::vector<uint8_t> f = build_udp_frame(spec(128), 7);
  EXPECT_EQ(be16(f, kFrameSrcPortOffset), 10007);
  pb_payload t;
  std::memcpy(&t, &f[kFramePayloadOffset], sizeof(t));
  EXPECT_EQ(t.magic, PB_PAYLOAD_MAGIC);
  EXPECT_EQ(t.flow, 7u);
  EXPECT_EQ(t.seq, 0u);
  EXPECT_EQ(t.tx_ns, 0u);

  std::vector<uint8_t> before = f;
  stamp_frame(f.data(), 10000, 3, 42, 123456789);
  EXPECT_EQ(be16(f, kFrameSrcPortOffset), 10003);
  std::memcpy(&t, &f[kFramePayloadOffset], sizeof(t));
  EXPECT_EQ(t.flow, 3u);
  EXPECT_EQ(t.seq, 42u);
  EXPECT_EQ(t.tx_ns, 123456789u);
  // Only the port and the tag change; the IPv4 checksum stays valid.
  EXPECT_EQ(std::memcmp(f.data(), before.data(), kFrameSrcPortOffset), 0);
  EXPECT_EQ(std::memcmp(&f[kFrameSrcPortOffset + 2], &before[kFrameSrcPortOffset + 2], 6), 0);
  EXPECT_EQ(inet_checksum(&f[kFrameIpOffset], kIpv4HeaderLen), 0);
}

TEST(FrameBuilder, ChecksumKnownVector) {
  // The example header of RFC 1071's usual illustration (Wikipedia "IPv4 header checksum").
  const uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                         0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(inet_checksum(h, sizeof(h)), 0xb861);
}

TEST(FrameBuilder, RejectsBadSpecs) {
  EXPECT_THROW(build_udp_frame(spec(65)), core::UsageError);
  EXPECT_THROW(build_udp_frame(spec(1515)), core::UsageError);
  FrameSpec s = spec(128);
  s.src_ip = "198.18.0";
  EXPECT_THROW(build_udp_frame(s), core::UsageError);
  s = spec(128);
  EXPECT_THROW(validate_frame_spec(s, 55537), core::UsageError);  // 10000 + 55536 > 65535
  EXPECT_NO_THROW(validate_frame_spec(s, 55536));
  EXPECT_THROW(validate_frame_spec(s, 0), core::UsageError);
}

TEST(FrameBuilder, Mac) {
  MacAddr m = parse_mac("0a:1B:2c:3d:4e:5f");
  EXPECT_EQ(format_mac(m), "0a:1b:2c:3d:4e:5f");
  EXPECT_THROW(parse_mac("0a:1b:2c:3d:4e"), core::UsageError);
  EXPECT_THROW(parse_mac("0a:1b:2c:3d:4e:5f:00"), core::UsageError);
  EXPECT_THROW(parse_mac("zz:1b:2c:3d:4e:5f"), core::UsageError);
}

}  // namespace
}  // namespace pb::core
