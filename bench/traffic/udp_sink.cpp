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
#include "bench/core/sockopt.h"
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
  uint64_t truncated = 0;       // owned by the thread until it is joined
  std::latch* bound = nullptr;  // counted down once the socket is bound (or failed)
};

UdpSink::UdpSink(UdpSinkConfig cfg)
    : SinkThreads("udp sink", "socket", cfg.idle_ms, cfg.max_drain_ms), cfg_(std::move(cfg)) {
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

UdpSink::~UdpSink() { stop_now(); }

void UdpSink::start() {
  if (running()) throw std::logic_error("udp sink: already started");
  std::latch bound(nthreads_);
  launch(
      [&](unsigned i) {
        auto w = std::make_unique<Worker>(i, core::TagCounter(cfg_.expected_flows, cfg_.reorder_window));
        w->bound = &bound;
        return w;
      },
      [this](core::SinkReader& w) { worker_main(static_cast<Worker&>(w)); });
  bound.wait();

  bool failed = false;
  for (size_t i = 0; i < readers(); ++i) {
    reader<Worker>(i).bound = nullptr;
    failed |= bool(reader<Worker>(i).error);
  }
  if (failed) halt(/*drain=*/false);  // rethrows the first error
}

void UdpSink::worker_main(Worker& w) {
  core::UniqueFd fd;
  try {
    core::NetnsGuard in_ns(cfg_.netns_fd);
    fd.reset(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP));
    if (!fd) core::throw_errno("udp sink: socket");
    core::set_sockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1, "udp sink: setsockopt SO_REUSEPORT");
    if (cfg_.rcvbuf > 0)
      core::set_sockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, cfg_.rcvbuf,
                        fmt::format("udp sink: SO_RCVBUFFORCE {}", cfg_.rcvbuf));
    core::set_sockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, timeval{0, kPollUs}, "udp sink: setsockopt SO_RCVTIMEO");
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
      if (r > 0) {
        core::TagCounter::Batch batch = counter.batch(now);
        for (int i = 0; i < r; ++i) {
          const size_t len = msgs[i].msg_len;
          if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ++w.truncated;
          pb_payload tag;
          batch.count(core::parse_payload_tag(iovs[i].iov_base, len, &tag) ? &tag : nullptr,
                      len + core::kUdpFrameOverhead);
        }
      }
      if (r > 0) w.publish();
      if (drain_.done(now, counter.last_ns(), r > 0, w.index)) break;
    }
  } catch (...) {
    w.error = std::current_exception();
  }
}

UdpSinkResult UdpSink::stop(bool drain) {
  if (!running()) throw std::logic_error("udp sink: not started");
  UdpSinkResult res;
  static_cast<core::TagTally&>(res) = halt(drain);
  for (size_t i = 0; i < readers(); ++i) {
    const Worker& w = reader<Worker>(i);
    res.truncated += w.truncated;
    res.per_socket.push_back(w.counter.totals().delivered);
  }
  return res;
}

}  // namespace pb::traffic
