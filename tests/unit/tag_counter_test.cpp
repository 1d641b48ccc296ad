// The one frame-tag rule (parse_frame_tag and its inline fast path) on frame fixtures, and
// TagCounter / TagTally: delivered, malformed, latency, flows, merge.
#include "bench/core/tag_counter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "bench/core/frame.h"

namespace pb::core {
namespace {

constexpr unsigned kFrameSize = 128;

std::vector<uint8_t> frame(uint32_t flow = 3, uint64_t seq = 7, uint64_t tx_ns = 1000) {
  FrameSpec s;
  s.frame_size = kFrameSize;
  std::vector<uint8_t> f = build_udp_frame(s, flow);
  stamp_frame(f.data(), s.src_port_base, flow, seq, tx_ns);
  return f;
}

// The same datagram with `words` 32-bit words of IPv4 options (NOPs): IHL 5 + words.
std::vector<uint8_t> with_options(const std::vector<uint8_t>& f, unsigned words) {
  const size_t opts = 4 * words;
  std::vector<uint8_t> g(f.size() + opts, 0x01);
  std::memcpy(g.data(), f.data(), kFrameUdpOffset);
  std::memcpy(g.data() + kFrameUdpOffset + opts, f.data() + kFrameUdpOffset, f.size() - kFrameUdpOffset);
  uint8_t* ip = g.data() + kFrameIpOffset;
  ip[0] = uint8_t(0x40 | (5 + words));
  const uint16_t total = uint16_t(g.size() - kEthHeaderLen);
  ip[2] = uint8_t(total >> 8);
  ip[3] = uint8_t(total);
  ip[10] = ip[11] = 0;
  const uint16_t sum = inet_checksum(ip, 4 * (5 + words));
  ip[10] = uint8_t(sum >> 8);
  ip[11] = uint8_t(sum);
  return g;
}

// The two parsers as optionals (nullopt: no tag).
std::optional<pb_payload> general(const std::vector<uint8_t>& f, size_t len) {
  pb_payload t;
  return parse_frame_tag(f.data(), len, &t) ? std::optional(t) : std::nullopt;
}
std::optional<pb_payload> fast(const std::vector<uint8_t>& f, size_t len) {
  pb_payload t;
  return parse_frame_tag_fast(f.data(), len, &t) ? std::optional(t) : std::nullopt;
}

void expect_agree(const std::vector<uint8_t>& f, size_t len) {
  std::optional<pb_payload> a = general(f, len), b = fast(f, len);
  ASSERT_EQ(a.has_value(), b.has_value()) << "len " << len;
  if (a) {
    EXPECT_EQ(std::memcmp(&*a, &*b, sizeof(pb_payload)), 0) << "len " << len;
  }
}

TEST(FrameTag, Ihl5) {
  std::vector<uint8_t> f = frame(3, 7, 1000);
  for (auto parse : {general, fast}) {
    std::optional<pb_payload> t = parse(f, f.size());
    ASSERT_TRUE(t);
    EXPECT_EQ(t->magic, PB_PAYLOAD_MAGIC);
    EXPECT_EQ(t->flow, 3u);
    EXPECT_EQ(t->seq, 7u);
    EXPECT_EQ(t->tx_ns, 1000u);
  }
  EXPECT_TRUE(general(f, kMinFrameSize));  // exactly a whole tag
}

TEST(FrameTag, Ihl6WithOptions) {
  std::vector<uint8_t> f = with_options(frame(5, 9, 42), 1);
  ASSERT_EQ(f[kFrameIpOffset], 0x46);
  EXPECT_EQ(inet_checksum(f.data() + kFrameIpOffset, 24), 0) << "fixture: a valid IPv4 header";
  for (auto parse : {general, fast}) {
    std::optional<pb_payload> t = parse(f, f.size());
    ASSERT_TRUE(t);
    EXPECT_EQ(t->flow, 5u);
    EXPECT_EQ(t->seq, 9u);
  }
  // The tag sits 4 bytes later: a frame that would hold it at IHL 5 is short at IHL 6.
  EXPECT_FALSE(general(f, kMinFrameSize + 3));
  EXPECT_TRUE(general(f, kMinFrameSize + 4));
  std::vector<uint8_t> max_ihl = with_options(frame(), 10);  // IHL 15, 40 bytes of options
  EXPECT_TRUE(general(max_ihl, max_ihl.size()));
  EXPECT_TRUE(fast(max_ihl, max_ihl.size()));
}

TEST(FrameTag, Truncated) {
  std::vector<uint8_t> f = frame();
  for (size_t len : {size_t(0), size_t(13), kEthHeaderLen + kIpv4HeaderLen, kFramePayloadOffset, kMinFrameSize - 1}) {
    EXPECT_FALSE(general(f, len)) << len;
    EXPECT_FALSE(fast(f, len)) << len;
  }
}

TEST(FrameTag, WrongEthertypeVersionIhlOrProtocol) {
  std::vector<uint8_t> f = frame();
  auto rejected = [](std::vector<uint8_t> g) { return !general(g, g.size()) && !fast(g, g.size()); };
  std::vector<uint8_t> g = f;
  g[12] = 0x86, g[13] = 0xdd;  // IPv6
  EXPECT_TRUE(rejected(g));
  g = f;
  g[12] = 0x81, g[13] = 0x00;  // a VLAN tag
  EXPECT_TRUE(rejected(g));
  g = f;
  g[kFrameIpOffset + 9] = 6;  // TCP
  EXPECT_TRUE(rejected(g));
  g = with_options(f, 1);
  g[kFrameIpOffset + 9] = 1;  // ICMP, with options: the general rule decides
  EXPECT_TRUE(rejected(g));
  g = f;
  g[kFrameIpOffset] = 0x44;  // IHL 4: not a valid IPv4 header
  EXPECT_TRUE(rejected(g));
  g = f;
  g[kFrameIpOffset] = 0x65;  // version 6 in an IPv4 EtherType
  EXPECT_TRUE(rejected(g));
}

TEST(FrameTag, FastPathAgreesOnEveryFrame) {
  std::vector<std::vector<uint8_t>> fixtures = {frame(), with_options(frame(), 1), with_options(frame(), 10)};
  std::mt19937 rng(1);
  // Every length of each fixture, and random values in the bytes the rule reads.
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> g = fixtures[i % fixtures.size()];
    for (size_t off : {size_t(12), size_t(13), kFrameIpOffset, kFrameIpOffset + 9})
      if (rng() % 3 == 0) g[off] = uint8_t(rng());
    if (rng() % 2) g[kFrameIpOffset] = uint8_t(0x40 | (rng() & 0x0f));
    expect_agree(g, rng() % (g.size() + 1));
  }
  for (const auto& f : fixtures)
    for (size_t len = 0; len <= f.size(); ++len) expect_agree(f, len);
}

TEST(PayloadTag, DatagramStart) {
  pb_payload t{PB_PAYLOAD_MAGIC, 1, 2, 3};
  uint8_t buf[32] = {};
  std::memcpy(buf, &t, sizeof(t));
  pb_payload got{};
  EXPECT_TRUE(parse_payload_tag(buf, sizeof(t), &got));
  EXPECT_TRUE(parse_payload_tag(buf, 32, &got));
  EXPECT_EQ(got.seq, 2u);
  EXPECT_FALSE(parse_payload_tag(buf, sizeof(t) - 1, &got));
}

pb_payload tag(uint32_t flow, uint64_t seq, uint64_t tx_ns = 0, uint32_t magic = PB_PAYLOAD_MAGIC) {
  return {magic, flow, seq, tx_ns};
}

// Counts `tags` as one batch at now_ns; returns what the batch counted.
TagTotals count(TagCounter& c, uint64_t now_ns, std::initializer_list<std::optional<pb_payload>> tags,
                uint64_t bytes = 1) {
  TagCounter::Batch b = c.batch(now_ns);
  for (const auto& t : tags) b.count(t ? &*t : nullptr, bytes);
  return b.totals();
}

TEST(TagRule, DeliveredAndLatency) {
  EXPECT_TRUE(is_delivered(tag(0, 0), 1));
  EXPECT_FALSE(is_delivered(tag(1, 0), 1));  // flow out of range
  EXPECT_FALSE(is_delivered(tag(0, 0, 0, 0x12345678), 1));
  EXPECT_EQ(flow_limit(0), kMaxFlows);
  EXPECT_EQ(flow_limit(8), 8u);
  EXPECT_EQ(tag_latency_ns(1500, 1000), 500u);
  EXPECT_EQ(tag_latency_ns(1000, 1500), 0u);  // tx_ns ahead
}

TEST(TagCounter, DeliveredMalformedBytesLatency) {
  TagCounter c(4);
  ASSERT_EQ(c.flows().size(), 4u);  // the expected flows are tracked from the start
  {
    TagCounter::Batch b = c.batch(10'000);
    const pb_payload ok = tag(0, 0, 9'000), ahead = tag(1, 0, 20'000), out = tag(4, 0, 9'000),
                     magic = tag(0, 1, 9'000, 0);
    EXPECT_TRUE(b.count(&ok, 128));
    EXPECT_TRUE(b.count(&ahead, 128));  // tx ahead: latency 0
    EXPECT_FALSE(b.count(nullptr, 60));  // no readable tag
    EXPECT_FALSE(b.count(&out, 128));    // flow out of range
    EXPECT_FALSE(b.count(&magic, 128));  // wrong magic
    EXPECT_EQ(b.totals().delivered, 2u);
    EXPECT_EQ(c.totals().delivered, 0u) << "a batch folds into its counter when it ends";
  }
  EXPECT_EQ(c.totals().delivered, 2u);
  EXPECT_EQ(c.totals().malformed, 3u);
  EXPECT_EQ(c.totals().bytes, 256u);
  EXPECT_EQ(c.latency().count(), 2u);
  EXPECT_EQ(c.latency().min(), 0u);
  EXPECT_EQ(c.latency().max(), 1'000u);
  EXPECT_EQ(c.flows()[0].counts().received, 1u);
  EXPECT_EQ(c.flows()[2].counts().received, 0u);
}

TEST(TagCounter, FlowsFirstAndLast) {
  TagCounter c;  // no expected flows: grows on demand, ids below kMaxFlows
  EXPECT_EQ(c.first_ns(), 0u);
  count(c, 100, {tag(2, 0), tag(2, 2)});
  TagTotals second = count(c, 300, {tag(2, 1), tag(2, 1), tag(kMaxFlows, 0)});  // reordered, duplicate, out of range
  EXPECT_EQ(second.delivered, 2u);
  EXPECT_EQ(second.malformed, 1u);
  ASSERT_EQ(c.flows().size(), 3u);
  const FlowCounts& f = c.flows()[2].counts();
  EXPECT_EQ(f.received, 4u);
  EXPECT_EQ(f.unique, 3u);
  EXPECT_EQ(f.reordered, 1u);
  EXPECT_EQ(f.duplicates, 1u);
  EXPECT_EQ(c.totals().delivered, 4u);
  EXPECT_EQ(c.totals().malformed, 1u);
  EXPECT_EQ(c.first_ns(), 100u);
  EXPECT_EQ(c.last_ns(), 300u);
}

TEST(TagCounter, IgnoreFlows) {
  TagCounter c(4, kDefaultReorderWindow, TagCounter::Flows::kIgnore);
  TagTotals t = count(c, 5, {tag(3, 0, 1), tag(4, 0, 1)}, 64);  // the limit still applies
  EXPECT_EQ(t.delivered, 1u);
  EXPECT_EQ(t.malformed, 1u);
  EXPECT_TRUE(c.flows().empty());
  EXPECT_EQ(c.latency().count(), 1u);
}

TEST(TagTally, MergeThreadsThenExpected) {
  TagCounter a(2), b(2), idle(2);
  count(a, 1'000'000'000, {tag(0, 0, 999'999'000), tag(0, 1, 999'999'000)}, 100);
  count(b, 1'500'000'000, {tag(1, 0, 1'499'998'000), tag(1, 3, 1'499'998'000)}, 100);  // 1 and 2 missing
  count(b, 1'500'000'000, {std::nullopt}, 64);
  TagTally t;
  t.merge(a);
  t.merge(b);
  t.merge(idle);  // a thread that saw nothing changes nothing
  EXPECT_EQ(t.delivered, 4u);
  EXPECT_EQ(t.malformed, 1u);
  EXPECT_EQ(t.bytes, 400u);
  EXPECT_EQ(t.latency.count(), 4u);
  EXPECT_EQ(t.latency.max(), 2'000u);
  EXPECT_EQ(t.first_ns, 1'000'000'000u);
  EXPECT_EQ(t.last_ns, 1'500'000'000u);
  EXPECT_DOUBLE_EQ(t.elapsed_s, 0.5);
  ASSERT_EQ(t.flows.size(), 2u);
  EXPECT_EQ(t.flows[1].lost, 2u);  // gaps until told what was sent
  EXPECT_EQ(t.lost(), 2u);
  const std::vector<uint64_t> sent{3, 5, 1};  // one more flow than arrived
  t.set_expected(sent);
  ASSERT_EQ(t.flows.size(), 3u);
  EXPECT_EQ(t.flows[0].lost, 1u);
  EXPECT_EQ(t.flows[1].lost, 3u);
  EXPECT_EQ(t.flows[2].lost, 1u);
  EXPECT_EQ(t.lost(), 5u);
}

}  // namespace
}  // namespace pb::core
