#include "bench/traffic/udp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <latch>

#include "bench/core/clock.h"
#include "bench/core/cpus.h"
#include "bench/core/errors.h"
#include "bench/core/frame.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/unique_fd.h"

namespace pb::traffic {

namespace {

// Bytes read per datagram: the tag is all the sink needs; MSG_TRUNC still reports the full
// length of longer datagrams, so jumbo frames are counted right without jumbo buffers.
constexpr size_t kRecvBufSize = 2048;
// How often a blocked recvmmsg wakes up to look at the stop flags.
constexpr long kPollUs = 10'000;

}  // namespace

struct UdpSink::Worker : core::SinkReader {
  using SinkReader::SinkReader;
  unsigned index = 0;
  std::atomic<uint64_t> delivered_live{0};
  uint64_t truncated = 0;       // owned by the thread until it is joined
  std::latch* bound = nullptr;  // counted down once the socket is bound (or failed)
};

UdpSink::UdpSink(UdpSinkConfig cfg)
    : cfg_(std::move(cfg)), drain_("udp sink", "socket", cfg_.idle_ms, cfg_.max_drain_ms) {
  if (cfg_.port == 0) throw core::UsageError("udp sink: port must be set");
  if (cfg_.sockets == 0) throw core::UsageError("udp sink: sockets must be >= 1");
  if (cfg_.batch == 0 || cfg_.batch > 1024) throw core::UsageError("udp sink: batch must be in [1, 1024]");
  if (cfg_.expected_flows > kMaxFlows)
    throw core::UsageError(fmt::format("udp sink: expected_flows {} above {}", cfg_.expected_flows, kMaxFlows));
  if (!cfg_.bind_ip.empty()) {
    in_addr a{};
    if (inet_pton(AF_INET, cfg_.bind_ip.c_str(), &a) != 1)
      throw core::UsageError(fmt::format("udp sink: not an IPv4 address: '{}'", cfg_.bind_ip));
  }
  // More reader threads than CPUs only adds context switches on the CPUs that also run
  // softirq processing.
  nthreads_ = std::min(cfg_.sockets, unsigned(core::allowed_cpus().size()));
  if (nthreads_ < cfg_.sockets)
    PB_INFO("udp sink: {} sockets asked, {} CPUs usable: running {}", cfg_.sockets, nthreads_, nthreads_);
}

UdpSink::~UdpSink() {
  if (!running_) return;
  drain_.abort();
  core::join_readers(workers_);
}

void UdpSink::start() {
  if (running_) throw std::logic_error("udp sink: already started");
  drain_.reset();
  workers_.clear();
  std::latch bound(nthreads_);
  for (unsigned i = 0; i < nthreads_; ++i) {
    auto w = std::make_unique<Worker>(core::TagCounter(cfg_.expected_flows, cfg_.reorder_window));
    w->index = i;
    w->bound = &bound;
    workers_.push_back(std::move(w));
  }
  running_ = true;
  for (auto& w : workers_) w->thread = std::thread([this, wp = w.get()] { worker_main(*wp); });
  bound.wait();

  bool failed = false;
  for (auto& w : workers_) {
    w->bound = nullptr;
    failed |= bool(w->error);
  }
  if (failed) {
    drain_.abort();
    running_ = false;
    core::join_and_merge(workers_);  // for its rethrow of the first error
  }
}

void UdpSink::worker_main(Worker& w) {
  core::UniqueFd fd;
  try {
    core::NetnsGuard in_ns(cfg_.netns_fd);
    fd.reset(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
    if (!fd) core::throw_errno("udp sink: socket");
    int one = 1;
    if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
      core::throw_errno("udp sink: setsockopt SO_REUSEPORT");
    if (cfg_.rcvbuf > 0 && setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &cfg_.rcvbuf, sizeof(cfg_.rcvbuf)) != 0)
      core::throw_errno(fmt::format("udp sink: SO_RCVBUFFORCE {}", cfg_.rcvbuf));
    timeval tv{0, kPollUs};
    if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
      core::throw_errno("udp sink: setsockopt SO_RCVTIMEO");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(cfg_.port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (!cfg_.bind_ip.empty()) inet_pton(AF_INET, cfg_.bind_ip.c_str(), &addr.sin_addr);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
      core::throw_errno(fmt::format("udp sink: bind {}:{}", cfg_.bind_ip.empty() ? "0.0.0.0" : cfg_.bind_ip,
                                    cfg_.port));
  } catch (...) {
    w.error = std::current_exception();
    w.bound->count_down();
    return;
  }
  w.bound->count_down();

  try {
    const unsigned batch = cfg_.batch;
    std::vector<char> bufs(batch * kRecvBufSize);
    std::vector<iovec> iovs(batch);
    std::vector<mmsghdr> msgs(batch);
    for (unsigned i = 0; i < batch; ++i) {
      iovs[i] = {bufs.data() + size_t(i) * kRecvBufSize, kRecvBufSize};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }

    core::TagCounter& counter = w.counter;
    for (;;) {
      int r = recvmmsg(fd.get(), msgs.data(), batch, MSG_WAITFORONE | MSG_TRUNC, nullptr);
      uint64_t now = core::mono_ns();
      if (drain_.aborted()) break;
      if (r < 0 && errno != EAGAIN && errno != EINTR)
        core::throw_errno(fmt::format("udp sink: recvmmsg on port {}", cfg_.port));
      if (r > 0) counter.arrive(now);
      for (int i = 0; i < r; ++i) {
        const size_t len = msgs[i].msg_len;
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ++w.truncated;
        counter.count(core::parse_payload_tag(iovs[i].iov_base, len), len + core::kUdpFrameOverhead);
      }
      if (r > 0) w.delivered_live.store(counter.totals().delivered, std::memory_order_relaxed);
      if (drain_.done(now, counter.last_ns(), r > 0, w.index)) break;
    }
  } catch (...) {
    w.error = std::current_exception();
  }
}

UdpSinkResult UdpSink::stop(bool drain) {
  if (!running_) throw std::logic_error("udp sink: not started");
  if (drain)
    drain_.request_stop(core::mono_ns());
  else
    drain_.abort();
  running_ = false;
  UdpSinkResult res;
  static_cast<core::TagTally&>(res) = core::join_and_merge(workers_);
  for (auto& w : workers_) {
    res.truncated += w->truncated;
    res.per_socket.push_back(w->counter.totals().delivered);
  }
  return res;
}

uint64_t UdpSink::delivered_now() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->delivered_live.load(std::memory_order_relaxed);
  return n;
}

}  // namespace pb::traffic
