#include "bench/traffic/udp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <latch>
#include <optional>

#include "bench/core/clock.h"
#include "bench/core/cpus.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/payload.h"
#include "bench/core/unique_fd.h"
#include "bench/core/frame.h"

namespace pb::traffic {

namespace {

// Bytes read per datagram: the tag is all the sink needs; MSG_TRUNC still reports the full
// length of longer datagrams, so jumbo frames are counted right without jumbo buffers.
constexpr size_t kRecvBufSize = 2048;
// How often a blocked recvmmsg wakes up to look at the stop flags.
constexpr long kPollUs = 10'000;

}  // namespace

void UdpSinkResult::set_expected(std::span<const uint64_t> sent_per_flow) {
  if (flows.size() < sent_per_flow.size()) flows.resize(sent_per_flow.size());
  for (size_t i = 0; i < flows.size(); ++i)
    flows[i].lost = flows[i].counts.lost(i < sent_per_flow.size() ? sent_per_flow[i] : 0);
}

uint64_t UdpSinkResult::lost() const {
  uint64_t n = 0;
  for (const UdpFlowRx& f : flows) n += f.lost;
  return n;
}

struct UdpSink::Worker {
  unsigned index = 0;
  std::thread thread;
  std::atomic<uint64_t> delivered_live{0};
  // Owned by the thread until it is joined.
  uint64_t delivered = 0;
  uint64_t bytes = 0;
  uint64_t malformed = 0;
  uint64_t truncated = 0;
  uint64_t first_ns = 0;
  uint64_t last_ns = 0;
  std::vector<core::FlowTracker> flows;
  core::Histogram latency;
  std::exception_ptr error;
  std::latch* bound = nullptr;  // counted down once the socket is bound (or failed)
};

UdpSink::UdpSink(UdpSinkConfig cfg) : cfg_(std::move(cfg)) {
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
  abort_.store(true);
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

void UdpSink::start() {
  if (running_) throw std::logic_error("udp sink: already started");
  stop_.store(false);
  abort_.store(false);
  workers_.clear();
  std::latch bound(nthreads_);
  for (unsigned i = 0; i < nthreads_; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = i;
    w->bound = &bound;
    if (cfg_.expected_flows > 0)
      for (unsigned f = 0; f < cfg_.expected_flows; ++f) w->flows.emplace_back(cfg_.reorder_window);
    workers_.push_back(std::move(w));
  }
  running_ = true;
  for (auto& w : workers_) w->thread = std::thread([this, wp = w.get()] { worker_main(*wp); });
  bound.wait();

  std::exception_ptr first_error;
  for (auto& w : workers_) {
    w->bound = nullptr;
    if (w->error && !first_error) first_error = w->error;
  }
  if (first_error) {
    abort_.store(true);
    for (auto& w : workers_) w->thread.join();
    running_ = false;
    std::rethrow_exception(first_error);
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
    const uint32_t flow_limit = cfg_.expected_flows > 0 ? cfg_.expected_flows : kMaxFlows;
    std::vector<char> bufs(batch * kRecvBufSize);
    std::vector<iovec> iovs(batch);
    std::vector<mmsghdr> msgs(batch);
    for (unsigned i = 0; i < batch; ++i) {
      iovs[i] = {bufs.data() + size_t(i) * kRecvBufSize, kRecvBufSize};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }

    for (;;) {
      int r = recvmmsg(fd.get(), msgs.data(), batch, MSG_WAITFORONE | MSG_TRUNC, nullptr);
      uint64_t now = core::mono_ns();
      if (abort_.load(std::memory_order_relaxed)) break;
      if (r < 0) {
        if (errno != EAGAIN && errno != EINTR) core::throw_errno(fmt::format("udp sink: recvmmsg on port {}", cfg_.port));
        if (stop_.load(std::memory_order_acquire)) {
          // Idle since the later of the stop request and the last datagram.
          uint64_t stop_ns = stop_ns_.load(std::memory_order_relaxed);
          uint64_t quiet_since = std::max(stop_ns, w.last_ns);
          if (now >= quiet_since + uint64_t(cfg_.idle_ms) * 1'000'000) break;
          if (now >= stop_ns + uint64_t(cfg_.max_drain_ms) * 1'000'000) break;
        }
        continue;
      }
      if (r > 0 && w.first_ns == 0) w.first_ns = now;
      if (r > 0) w.last_ns = now;
      for (int i = 0; i < r; ++i) {
        const size_t len = msgs[i].msg_len;
        if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ++w.truncated;
        pb_payload tag;
        if (len < sizeof(tag)) {
          ++w.malformed;
          continue;
        }
        std::memcpy(&tag, iovs[i].iov_base, sizeof(tag));
        if (tag.magic != PB_PAYLOAD_MAGIC || tag.flow >= flow_limit) {
          ++w.malformed;
          continue;
        }
        ++w.delivered;
        w.bytes += len + core::kUdpFrameOverhead;
        // Same host, same CLOCK_MONOTONIC: a tx_ns in the future is a foreign sender's tag.
        w.latency.record(now > tag.tx_ns ? now - tag.tx_ns : 0);
        while (w.flows.size() <= tag.flow) w.flows.emplace_back(cfg_.reorder_window);
        w.flows[tag.flow].record(tag.seq);
      }
      w.delivered_live.store(w.delivered, std::memory_order_relaxed);
      if (stop_.load(std::memory_order_acquire) &&
          now >= stop_ns_.load(std::memory_order_relaxed) + uint64_t(cfg_.max_drain_ms) * 1'000'000) {
        PB_WARN("udp sink: socket {} still receiving {} ms after stop; giving up the drain", w.index,
                cfg_.max_drain_ms);
        break;
      }
    }
  } catch (...) {
    w.error = std::current_exception();
  }
}

UdpSinkResult UdpSink::stop(bool drain) {
  if (!running_) throw std::logic_error("udp sink: not started");
  if (drain) {
    stop_ns_.store(core::mono_ns(), std::memory_order_relaxed);
    stop_.store(true, std::memory_order_release);
  } else {
    abort_.store(true);
  }
  for (auto& w : workers_) w->thread.join();
  running_ = false;
  for (auto& w : workers_)
    if (w->error) std::rethrow_exception(w->error);

  UdpSinkResult res;
  uint64_t first = 0, last = 0;
  for (auto& w : workers_) {
    res.delivered += w->delivered;
    res.bytes += w->bytes;
    res.malformed += w->malformed;
    res.truncated += w->truncated;
    res.per_socket.push_back(w->delivered);
    res.latency.merge(w->latency);
    if (w->first_ns != 0) {
      first = first == 0 ? w->first_ns : std::min(first, w->first_ns);
      last = std::max(last, w->last_ns);
    }
    if (res.flows.size() < w->flows.size()) res.flows.resize(w->flows.size());
    for (size_t f = 0; f < w->flows.size(); ++f) res.flows[f].counts += w->flows[f].counts();
  }
  for (UdpFlowRx& f : res.flows) f.lost = f.counts.gaps();
  res.elapsed_s = last > first ? double(last - first) / 1e9 : 0;
  return res;
}

uint64_t UdpSink::delivered_now() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->delivered_live.load(std::memory_order_relaxed);
  return n;
}

}  // namespace pb::traffic
