#include "bench/traffic/udp_generator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <thread>

#include "bench/core/clock.h"
#include "bench/core/sockopt.h"
#include "bench/core/threads.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/frame.h"
#include "bench/core/payload.h"

namespace pb::traffic {

namespace {

constexpr uint64_t kNsPerSec = 1000000000ull;
// Longest single sleep of a paced sender, so a stop request is seen quickly at low rates.
constexpr uint64_t kMaxSleepNs = 10'000'000;
// A paced batch carries at most this much time's worth of credit: smoother than full
// batches at low rates, still full batches from ~640 kpps up.
constexpr uint64_t kPaceBatchNs = 100'000;
// Credit older than this is forgotten after a stall, so a sender that fell behind does not
// catch up with one huge burst.
constexpr uint64_t kMaxBurstNs = 10'000'000;

in_addr parse_ipv4(const std::string& s, const char* field) {
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) throw core::UsageError(fmt::format("{}: not an IPv4 address: '{}'", field, s));
  return a;
}

// Errors a UDP sender meets under load or while the receiver is not there yet: the batch is
// not sent, the run goes on.
bool transient_send_error(int err) {
  return err == EAGAIN || err == ENOBUFS || err == ECONNREFUSED || err == EHOSTUNREACH || err == ENETUNREACH ||
         err == EINTR;
}

// A connected socket with IP_RECVERR queues ICMP errors; reading them keeps its receive
// memory from filling with errors nobody reads.
void drain_error_queue(int fd) {
  char buf[256];
  char ctrl[512];
  for (int i = 0; i < 64; ++i) {
    iovec iov{buf, sizeof(buf)};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctrl;
    m.msg_controllen = sizeof(ctrl);
    if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return;
  }
}

}  // namespace

struct UdpGenerator::ThreadResult {
  uint64_t sent = 0;
  uint64_t send_errors = 0;
  uint64_t partial_batches = 0;
  uint64_t forfeited = 0;
  uint64_t first_ns = 0;  // 0: never sent
  uint64_t last_ns = 0;
};

UdpGenerator::UdpGenerator(UdpGeneratorConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.flows == 0) throw core::UsageError("udp generator: flows must be >= 1");
  if (cfg_.frame_size < core::kUdpFrameOverhead + sizeof(pb_payload) || cfg_.frame_size - core::kUdpFrameOverhead > 65507)
    throw core::UsageError(fmt::format("udp generator: frame_size {} outside [{}, {}]", cfg_.frame_size,
                                       core::kUdpFrameOverhead + sizeof(pb_payload), 65507 + core::kUdpFrameOverhead));
  if (cfg_.batch == 0 || cfg_.batch > 1024) throw core::UsageError("udp generator: batch must be in [1, 1024]");
  if (!(cfg_.duration_s > 0)) throw core::UsageError("udp generator: duration must be > 0");
  if (cfg_.dst_port == 0) throw core::UsageError("udp generator: dst_port must be set");
  if (cfg_.src_port_base != 0 && uint32_t(cfg_.src_port_base) + cfg_.flows - 1 > 65535)
    throw core::UsageError(fmt::format("udp generator: src_port_base {} + {} flows exceeds port 65535",
                                       cfg_.src_port_base, cfg_.flows));
  cfg_.threads = std::clamp(cfg_.threads, 1u, cfg_.flows);

  sockaddr_in src{};
  src.sin_family = AF_INET;
  src.sin_addr = cfg_.src_ip.empty() ? in_addr{htonl(INADDR_ANY)} : parse_ipv4(cfg_.src_ip, "src_ip");
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_addr = parse_ipv4(cfg_.dst_ip, "dst_ip");
  dst.sin_port = htons(cfg_.dst_port);

  // A socket belongs to the netns it was created in, whichever thread later sends on it.
  core::NetnsGuard in_ns(cfg_.netns_fd);
  flows_.resize(cfg_.flows);
  for (unsigned i = 0; i < cfg_.flows; ++i) {
    core::UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
    if (!fd) core::throw_errno("udp generator: socket");
    // Without IP_RECVERR a qdisc drop (ENOBUFS) is reported as sent; with it, unsent.
    core::set_sockopt(fd.get(), SOL_IP, IP_RECVERR, 1, "udp generator: setsockopt IP_RECVERR");
    if (cfg_.sndbuf > 0)
      core::set_sockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, cfg_.sndbuf,
                        fmt::format("udp generator: SO_SNDBUFFORCE {}", cfg_.sndbuf));
    src.sin_port = htons(cfg_.src_port_base == 0 ? 0 : uint16_t(cfg_.src_port_base + i));
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&src), sizeof(src)) != 0)
      core::throw_errno(fmt::format("udp generator: bind {}:{}", cfg_.src_ip.empty() ? "0.0.0.0" : cfg_.src_ip,
                                    ntohs(src.sin_port)));
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&dst), sizeof(dst)) != 0)
      core::throw_errno(fmt::format("udp generator: connect {}:{}", cfg_.dst_ip, cfg_.dst_port));
    flows_[i].fd = std::move(fd);
  }
}

UdpGenerator::~UdpGenerator() = default;

void UdpGenerator::send_loop(unsigned first_flow, unsigned end_flow, uint64_t start_ns,
                             const std::atomic<bool>& stop, const std::atomic<bool>& halt, ThreadResult& out) {
  const unsigned batch = cfg_.batch;
  const size_t payload_len = cfg_.frame_size - core::kUdpFrameOverhead;
  const uint64_t end_ns = start_ns + uint64_t(cfg_.duration_s * double(kNsPerSec));

  // This thread's share of the rate, as the exact fraction rate * flows_here / flows.
  const unsigned __int128 rate_num = (unsigned __int128)cfg_.rate_pps * (end_flow - first_flow);
  const unsigned __int128 rate_den = (unsigned __int128)cfg_.flows * kNsPerSec;  // per ns
  const bool paced = cfg_.rate_pps > 0;
  uint64_t pace_batch = batch;
  uint64_t burst_cap = 0;
  if (paced) {
    pace_batch = std::clamp<uint64_t>(uint64_t(rate_num * kPaceBatchNs / rate_den), 1, batch);
    burst_cap = std::max<uint64_t>(2 * uint64_t(batch), uint64_t(rate_num * kMaxBurstNs / rate_den));
    // Timer slack (50 us by default) would make every paced sleep late by that much.
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  }

  std::vector<char> bufs(size_t(batch) * payload_len, 0);
  std::vector<iovec> iovs(batch);
  std::vector<mmsghdr> msgs(batch);
  for (unsigned i = 0; i < batch; ++i) {
    iovs[i] = {bufs.data() + size_t(i) * payload_len, payload_len};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }

  // Paced: tokens(now) = pace_batch + (now - anchor) * rate - consumed; the schedule is a
  // function of the anchor only, so rounding never accumulates into drift. The anchor is
  // this thread's first send, not the run's start, so a late thread start does not turn
  // into a catch-up burst.
  const uint64_t anchor_ns = core::mono_ns();
  uint64_t consumed = 0;
  unsigned cursor = first_flow;
  while (!stop.load(std::memory_order_relaxed) && !halt.load(std::memory_order_relaxed)) {
    uint64_t now = core::mono_ns();
    if (now >= end_ns) break;
    uint64_t n = batch;
    if (paced) {
      uint64_t due = pace_batch + uint64_t((unsigned __int128)(now - anchor_ns) * rate_num / rate_den);
      if (due > consumed + burst_cap) {
        out.forfeited += due - burst_cap - consumed;
        consumed = due - burst_cap;
      }
      uint64_t tokens = due - consumed;
      if (tokens < pace_batch) {
        // The instant pace_batch tokens are there: (t - anchor) * rate >= consumed.
        uint64_t wake = anchor_ns + uint64_t(((unsigned __int128)consumed * rate_den + rate_num - 1) / rate_num);
        core::sleep_until_ns(std::min({wake, end_ns, now + kMaxSleepNs}));
        continue;
      }
      n = std::min<uint64_t>(batch, tokens);
    }

    Flow& flow = flows_[cursor];
    uint64_t tx_ns = core::mono_ns();
    for (uint64_t i = 0; i < n; ++i) {
      pb_payload tag{PB_PAYLOAD_MAGIC, uint32_t(cursor), flow.next_seq + i, tx_ns};
      std::memcpy(iovs[i].iov_base, &tag, sizeof(tag));
    }
    int r = sendmmsg(flow.fd.get(), msgs.data(), unsigned(n), MSG_DONTWAIT);
    if (r < 0) {
      int err = errno;
      if (!transient_send_error(err))
        core::throw_errno(err, fmt::format("udp generator: sendmmsg flow {} to {}:{}", cursor, cfg_.dst_ip,
                                           cfg_.dst_port));
      if (err == EINTR) continue;
      ++out.send_errors;
      if (err == EAGAIN) {
        pollfd p{flow.fd.get(), POLLOUT, 0};
        poll(&p, 1, 1);
      } else if (err != ENOBUFS) {
        drain_error_queue(flow.fd.get());
      }
    } else if (r > 0) {
      if (out.first_ns == 0) out.first_ns = tx_ns;
      out.last_ns = core::mono_ns();
      if (uint64_t(r) < n) ++out.partial_batches;
      flow.next_seq += uint64_t(r);
      out.sent += uint64_t(r);
      consumed += uint64_t(r);
    }
    if (++cursor == end_flow) cursor = first_flow;
  }
}

core::TxResult UdpGenerator::run(std::atomic<bool>& stop) {
  const unsigned nthreads = cfg_.threads;
  std::vector<ThreadResult> results(nthreads);
  for (Flow& f : flows_) f.next_seq = 0;

  // A failing thread stops the others through `halt`.
  std::atomic<bool> halt{false};

  const uint64_t start_ns = core::mono_ns();
  core::run_threads(nthreads, halt, [&](unsigned t) {
    unsigned first = unsigned(uint64_t(t) * cfg_.flows / nthreads);
    unsigned end = unsigned(uint64_t(t + 1) * cfg_.flows / nthreads);
    send_loop(first, end, start_ns, stop, halt, results[t]);
  });

  core::TxResult res;
  uint64_t first = 0, last = 0;
  for (const ThreadResult& r : results) {
    res.sent += r.sent;
    res.send_errors += r.send_errors;
    res.partial_batches += r.partial_batches;
    res.forfeited += r.forfeited;
    if (r.first_ns != 0) {
      first = first == 0 ? r.first_ns : std::min(first, r.first_ns);
      last = std::max(last, r.last_ns);
    }
  }
  res.bytes = res.sent * cfg_.frame_size;
  res.flows.resize(flows_.size());
  for (size_t i = 0; i < flows_.size(); ++i) {
    res.flows[i].sent = flows_[i].next_seq;
    if (flows_[i].next_seq > 0) res.flows[i].last_seq = flows_[i].next_seq - 1;
  }
  res.elapsed_s = last > first ? double(last - first) / double(kNsPerSec) : 0;
  res.achieved_pps = res.elapsed_s > 0 ? double(res.sent) / res.elapsed_s : 0;
  return res;
}

}  // namespace pb::traffic
