#include "bench/traffic/afpacket_generator.h"

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "bench/core/clock.h"
#include "bench/core/errors.h"
#include "bench/core/rtnl.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/sockopt.h"
#include "bench/traffic/pacer.h"

namespace pb::traffic {

namespace {
constexpr uint64_t kNsPerSec = 1'000'000'000ull;
}  // namespace

AfPacketGenerator::AfPacketGenerator(AfPacketGeneratorConfig cfg) : cfg_(std::move(cfg)) {
  core::validate_frame_spec(cfg_.frame, cfg_.flows);
  if (cfg_.batch == 0 || cfg_.batch > 1024) throw core::UsageError("afpacket generator: batch must be in [1, 1024]");
  if (!(cfg_.duration_s > 0)) throw core::UsageError("afpacket generator: duration must be > 0");
  if (cfg_.ifname.empty()) throw core::UsageError("afpacket generator: ifname must be set");
  frame_ = core::build_udp_frame(cfg_.frame, 0);
  ifindex_ = core::link_ifindex(cfg_.ifname, cfg_.netns_fd);

  // A socket belongs to the netns it was created in, whichever thread later sends on it.
  core::NetnsGuard in_ns(cfg_.netns_fd);
  // Protocol 0: the socket only sends, so no receive hook copies every frame on the link to it.
  fd_.reset(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
  if (!fd_) core::throw_errno("afpacket generator: socket(AF_PACKET, SOCK_RAW)");
  // Straight to the driver's xmit: no qdisc, so a refused frame is an error, not a silent drop.
  core::set_sockopt(fd_.get(), SOL_PACKET, PACKET_QDISC_BYPASS, 1, "afpacket generator: PACKET_QDISC_BYPASS");
  if (cfg_.sndbuf > 0)
    core::set_sockopt(fd_.get(), SOL_SOCKET, SO_SNDBUFFORCE, cfg_.sndbuf,
                      fmt::format("afpacket generator: SO_SNDBUFFORCE {}", cfg_.sndbuf));
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;
  sll.sll_ifindex = ifindex_;
  if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) != 0)
    core::throw_errno(fmt::format("afpacket generator: bind to {} (ifindex {})", cfg_.ifname, ifindex_));
}

AfPacketGenerator::~AfPacketGenerator() = default;

core::TxResult AfPacketGenerator::run(std::atomic<bool>& stop) {
  const unsigned batch = cfg_.batch;
  const size_t len = frame_.size();
  std::vector<uint8_t> bufs(size_t(batch) * len);
  std::vector<iovec> iovs(batch);
  std::vector<mmsghdr> msgs(batch);
  std::vector<uint32_t> batch_flow(batch);
  for (unsigned i = 0; i < batch; ++i) {
    std::memcpy(&bufs[size_t(i) * len], frame_.data(), len);
    iovs[i] = {&bufs[size_t(i) * len], len};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  std::vector<uint64_t> next_seq(cfg_.flows, 0);

  PacerConfig pc;
  pc.rate_pps = cfg_.rate_pps;
  pc.max_batch = batch;
  Pacer pacer(pc);
  core::TxResult res;
  const uint64_t start_ns = core::mono_ns();
  const uint64_t end_ns = start_ns + uint64_t(cfg_.duration_s * double(kNsPerSec));
  uint64_t first_ns = 0, last_ns = 0;
  uint32_t cursor = 0;
  pacer.start(start_ns);
  while (!stop.load(std::memory_order_relaxed)) {
    uint64_t now = core::mono_ns();
    if (now >= end_ns) break;
    uint64_t n = pacer.grant(now);
    if (n == 0) {
      pacer.sleep(now, end_ns);
      continue;
    }
    // Stamp optimistically; frames sendmmsg did not take give their seq back below.
    uint64_t tx_ns = core::mono_ns();
    uint32_t f = cursor;
    for (uint64_t i = 0; i < n; ++i) {
      batch_flow[i] = f;
      core::stamp_frame(static_cast<uint8_t*>(iovs[i].iov_base), cfg_.frame.src_port_base, f, next_seq[f]++, tx_ns);
      if (++f == cfg_.flows) f = 0;
    }
    int r = sendmmsg(fd_.get(), msgs.data(), unsigned(n), MSG_DONTWAIT);
    uint64_t took = r > 0 ? uint64_t(r) : 0;
    for (uint64_t i = n; i-- > took;) --next_seq[batch_flow[i]];
    cursor = uint32_t((cursor + took) % cfg_.flows);
    if (r < 0) {
      int err = errno;
      if (err == EINTR) continue;
      if (err != ENOBUFS && err != EAGAIN)
        core::throw_errno(err, fmt::format("afpacket generator: sendmmsg on {}", cfg_.ifname));
      ++res.send_errors;
      if (err == EAGAIN) {
        pollfd p{fd_.get(), POLLOUT, 0};
        poll(&p, 1, 1);
      }
      continue;
    }
    if (took > 0) {
      if (first_ns == 0) first_ns = tx_ns;
      last_ns = core::mono_ns();
      if (took < n) ++res.partial_batches;
      res.sent += took;
      pacer.consume(took);
    }
  }
  res.forfeited = pacer.forfeited();
  res.bytes = res.sent * len;
  res.flows.resize(cfg_.flows);
  for (unsigned f = 0; f < cfg_.flows; ++f) {
    res.flows[f].sent = next_seq[f];
    if (next_seq[f] > 0) res.flows[f].last_seq = next_seq[f] - 1;
  }
  res.elapsed_s = last_ns > first_ns ? double(last_ns - first_ns) / double(kNsPerSec) : 0;
  res.achieved_pps = res.elapsed_s > 0 ? double(res.sent) / res.elapsed_s : 0;
  return res;
}

}  // namespace pb::traffic
