#include "xdp/afxdp_sink.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "bench/core/clock.h"
#include "bench/core/cpus.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/payload.h"
#include "bench/core/unique_fd.h"
#include "kernel_probes/bpf_util.h"
#include "xdp/xsk_redirect.h"
#include "xdp/xsk_redirect.skel.h"

// Older uapi headers lack the busy-poll knobs (5.11+).
#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

namespace pb::xdp {

using core::throw_errno;

namespace {

// How long an idle thread blocks in poll() before it looks at the stop flags again.
constexpr int kPollMs = 10;

bool is_pow2(unsigned v) { return v != 0 && (v & (v - 1)) == 0; }

int libxdp_print(enum libxdp_print_level, const char* fmt, va_list args) {
  PB_DEBUG("libxdp: {}", probes::format_print(fmt, args));
  return 0;
}

void route_libxdp_logs() { libxdp_set_print(libxdp_print); }

// Parses Ethernet + IPv4 + UDP and returns the payload tag, or nullopt when the frame is
// not one a pathbench generator sent (too short, another protocol, options cut short).
std::optional<pb_payload> parse_tag(const uint8_t* p, uint32_t len) {
  if (len < sizeof(ethhdr) + sizeof(iphdr)) return std::nullopt;
  uint16_t proto;
  std::memcpy(&proto, p + 12, 2);
  if (proto != htons(ETH_P_IP)) return std::nullopt;
  const uint8_t* ip = p + sizeof(ethhdr);
  unsigned ihl = (ip[0] & 0x0f) * 4u;
  if ((ip[0] >> 4) != 4 || ihl < sizeof(iphdr) || ip[9] != IPPROTO_UDP) return std::nullopt;
  size_t tag_off = sizeof(ethhdr) + ihl + sizeof(udphdr);
  if (len < tag_off + sizeof(pb_payload)) return std::nullopt;
  pb_payload tag;
  std::memcpy(&tag, p + tag_off, sizeof(tag));
  return tag;
}

void swap_macs(uint8_t* p) {
  uint8_t tmp[ETH_ALEN];
  std::memcpy(tmp, p, ETH_ALEN);
  std::memcpy(p, p + ETH_ALEN, ETH_ALEN);
  std::memcpy(p + ETH_ALEN, tmp, ETH_ALEN);
}

// Errors from a wakeup syscall that only mean "try again later".
bool transient(int err) { return err == EAGAIN || err == EBUSY || err == ENOBUFS || err == EINTR || err == ENETDOWN; }

}  // namespace

const char* to_string(XskBindMode m) { return m == XskBindMode::kCopy ? "copy" : "zerocopy"; }

uint64_t AfxdpSinkResult::xsk_dropped() const {
  uint64_t n = 0;
  for (const AfxdpSocketResult& s : sockets) n += s.stats.rx_dropped + s.stats.rx_ring_full;
  return n;
}

void AfxdpSinkResult::set_expected(std::span<const uint64_t> sent_per_flow) {
  if (flows.size() < sent_per_flow.size()) flows.resize(sent_per_flow.size());
  for (size_t i = 0; i < flows.size(); ++i)
    flows[i].lost = flows[i].counts.lost(i < sent_per_flow.size() ? sent_per_flow[i] : 0);
}

uint64_t AfxdpSinkResult::lost() const {
  uint64_t n = 0;
  for (const traffic::UdpFlowRx& f : flows) n += f.lost;
  return n;
}

// The loaded program and its attachment (a BPF link: detached when closed).
struct AfxdpSink::Program {
  struct SkelDeleter {
    void operator()(xsk_redirect_bpf* s) const { xsk_redirect_bpf__destroy(s); }
  };
  std::unique_ptr<xsk_redirect_bpf, SkelDeleter> skel;
  std::optional<XdpAttachment> link;
};

// One umem + one AF_XDP socket on one RX queue. Owned by the sink; used by one thread.
struct AfxdpSink::Socket {
  unsigned queue = 0;
  void* area = MAP_FAILED;
  size_t area_len = 0;
  xsk_umem* umem = nullptr;
  xsk_socket* xsk = nullptr;
  xsk_ring_prod fill{};
  xsk_ring_cons comp{};
  xsk_ring_cons rx{};
  xsk_ring_prod tx{};
  int fd = -1;
  std::vector<uint64_t> free_frames;  // frame addresses owned by us (not on any ring)
  uint32_t tx_outstanding = 0;        // on the TX ring or in flight, not yet completed
  AfxdpSocketResult res;
  std::atomic<uint64_t> delivered_live{0};
  uint64_t first_ns = 0;
  uint64_t last_ns = 0;

  Socket() = default;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (xsk) xsk_socket__delete(xsk);
    if (umem) xsk_umem__delete(umem);
    if (area != MAP_FAILED) munmap(area, area_len);
  }
};

struct AfxdpSink::Worker {
  unsigned index = 0;
  std::thread thread;
  std::vector<Socket*> sockets;
  // Owned by the thread until it is joined.
  std::vector<core::FlowTracker> flows;
  core::Histogram latency;
  std::exception_ptr error;
};

AfxdpSink::AfxdpSink(AfxdpSinkConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.ifname.empty() || cfg_.ifname.size() >= IFNAMSIZ)
    throw core::UsageError(fmt::format("afxdp sink: bad interface name '{}'", cfg_.ifname));
  if (cfg_.queues == 0 || cfg_.queues > PB_XSK_MAX_QUEUES)
    throw core::UsageError(fmt::format("afxdp sink: queues must be in [1, {}]", PB_XSK_MAX_QUEUES));
  if (cfg_.frame_size != 2048 && cfg_.frame_size != 4096)
    throw core::UsageError(fmt::format("afxdp sink: frame_size {} is not 2048 or 4096", cfg_.frame_size));
  for (unsigned r : {cfg_.fill_size, cfg_.comp_size, cfg_.rx_size, cfg_.tx_size})
    if (!is_pow2(r) || r > 65536) throw core::UsageError(fmt::format("afxdp sink: ring size {} is not a power of two <= 65536", r));
  if (cfg_.frames < cfg_.fill_size)
    throw core::UsageError(fmt::format("afxdp sink: {} frames cannot fill a fill ring of {}", cfg_.frames, cfg_.fill_size));
  if (cfg_.batch == 0 || cfg_.batch > cfg_.rx_size)
    throw core::UsageError(fmt::format("afxdp sink: batch must be in [1, rx_size {}]", cfg_.rx_size));
  if (cfg_.expected_flows > kMaxFlows)
    throw core::UsageError(fmt::format("afxdp sink: expected_flows {} above {}", cfg_.expected_flows, kMaxFlows));
  if (cfg_.sample_ms != 0 && (cfg_.interval_ms < cfg_.sample_ms || cfg_.interval_ms % cfg_.sample_ms != 0))
    throw core::UsageError(fmt::format("afxdp sink: interval_ms {} is not a multiple of sample_ms {}", cfg_.interval_ms,
                                       cfg_.sample_ms));
  nthreads_ = std::min(cfg_.queues, unsigned(core::allowed_cpus().size()));
  if (nthreads_ < cfg_.queues)
    PB_INFO("afxdp sink: {} queues, {} CPUs usable: {} threads share the sockets", cfg_.queues, nthreads_, nthreads_);
}

AfxdpSink::~AfxdpSink() {
  stop_sampler(false);
  if (running_) {
    abort_.store(true);
    for (auto& w : workers_)
      if (w->thread.joinable()) w->thread.join();
    running_ = false;
  }
  teardown();
}

void AfxdpSink::teardown() {
  // The program goes first so no frame is redirected into a socket being closed.
  if (prog_) prog_->link.reset();
  sockets_.clear();
  prog_.reset();
}

namespace {

// Creates a umem over `area` (already mapped) with its fill and completion rings.
void create_umem(const AfxdpSinkConfig& cfg, xsk_umem** umem, void* area, size_t len,
                 xsk_ring_prod* fill, xsk_ring_cons* comp, unsigned queue) {
  xsk_umem_config ucfg{};
  ucfg.fill_size = cfg.fill_size;
  ucfg.comp_size = cfg.comp_size;
  ucfg.frame_size = cfg.frame_size;
  ucfg.frame_headroom = 0;
  ucfg.flags = 0;
  if (int err = xsk_umem__create(umem, area, len, fill, comp, &ucfg); err)
    throw_errno(-err, fmt::format("afxdp sink: create umem for {} queue {} ({} x {} bytes)", cfg.ifname, queue,
                                  cfg.frames, cfg.frame_size));
}

// Sets the busy-poll knobs; returns "on" or what the kernel refused.
std::string enable_busy_poll(int fd, const AfxdpSinkConfig& cfg) {
  struct Opt {
    int name;
    const char* text;
    int value;
  };
  const Opt opts[] = {{SO_PREFER_BUSY_POLL, "SO_PREFER_BUSY_POLL", 1},
                      {SO_BUSY_POLL, "SO_BUSY_POLL", int(cfg.busy_poll_us)},
                      {SO_BUSY_POLL_BUDGET, "SO_BUSY_POLL_BUDGET", int(cfg.busy_poll_budget)}};
  for (const Opt& o : opts)
    if (setsockopt(fd, SOL_SOCKET, o.name, &o.value, sizeof(o.value)) != 0)
      return fmt::format("refused: {}={}: {}", o.text, o.value, std::strerror(errno));
  return "on";
}

// Moves as many owned frames as fit onto the fill ring.
void refill(xsk_ring_prod& fill, std::vector<uint64_t>& free_frames) {
  if (free_frames.empty()) return;
  uint32_t idx = 0;
  uint32_t want = uint32_t(free_frames.size());
  uint32_t n = xsk_prod_nb_free(&fill, want);
  n = std::min(n, want);
  if (n == 0 || xsk_ring_prod__reserve(&fill, n, &idx) != n) return;
  for (uint32_t i = 0; i < n; ++i) {
    *xsk_ring_prod__fill_addr(&fill, idx + i) = free_frames.back();
    free_frames.pop_back();
  }
  xsk_ring_prod__submit(&fill, n);
}

XskStatistics read_xdp_statistics(int fd, const std::string& what) {
  xdp_statistics st{};
  socklen_t len = sizeof(st);
  if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, &st, &len) != 0) throw_errno(what);
  XskStatistics r;
  r.rx_dropped = st.rx_dropped;
  r.rx_invalid_descs = st.rx_invalid_descs;
  r.tx_invalid_descs = st.tx_invalid_descs;
  // The last three fields came with 5.9; a shorter answer leaves them 0.
  if (len >= offsetof(xdp_statistics, rx_ring_full) + sizeof(st.rx_ring_full)) r.rx_ring_full = st.rx_ring_full;
  if (len >= offsetof(xdp_statistics, rx_fill_ring_empty_descs) + sizeof(st.rx_fill_ring_empty_descs))
    r.rx_fill_ring_empty_descs = st.rx_fill_ring_empty_descs;
  if (len >= offsetof(xdp_statistics, tx_ring_empty_descs) + sizeof(st.tx_ring_empty_descs))
    r.tx_ring_empty_descs = st.tx_ring_empty_descs;
  return r;
}

// Where one ring's shared indices live: the ring's mmaped header, written by the kernel
// (RX producer, fill consumer) and by the worker thread (RX consumer, fill producer).
struct RingIndices {
  const uint32_t* producer = nullptr;
  const uint32_t* consumer = nullptr;
  uint32_t size = 0;
};

// Entries published and not yet consumed, as user space sees them (the kernel publishes
// its index per batch). The consumer is read first: the producer read after it is never
// behind it, so the difference is never negative; a consumer that moved in between can
// make it overshoot, hence the clamp to the ring size.
uint32_t ring_fill(const RingIndices& r) {
  const uint32_t cons = __atomic_load_n(r.consumer, __ATOMIC_ACQUIRE);
  const uint32_t prod = __atomic_load_n(r.producer, __ATOMIC_ACQUIRE);
  const uint32_t n = prod - cons;
  if (int32_t(n) < 0) return 0;
  return std::min(n, r.size);
}

uint64_t counter_delta(uint64_t now, uint64_t before) { return now >= before ? now - before : 0; }

}  // namespace

// The sampler thread's state. It only loads ring indices (shared memory) and calls
// getsockopt(XDP_STATISTICS) once per interval, so the workers do no extra work per frame.
struct AfxdpSink::Sampler {
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;  // guarded by mu
  std::vector<RingIndices> rx, fill;  // per socket
  std::vector<int> fds;               // per socket
  std::vector<XskStatistics> last;    // per socket, at the end of the last closed interval
  uint32_t rx_max = 0, fill_max = 0;  // of the open interval
  unsigned in_interval = 0;           // samples taken in the open interval
  AfxdpQueueSamples out;

  ~Sampler() {
    if (thread.joinable()) {
      {
        std::lock_guard lock(mu);
        stop = true;
      }
      cv.notify_all();
      thread.join();
    }
  }

  void sample() {
    for (size_t i = 0; i < rx.size(); ++i) {
      uint32_t r = ring_fill(rx[i]), f = ring_fill(fill[i]);
      out.rx_ring.hist.record(r);
      out.fill_ring.hist.record(f);
      rx_max = std::max(rx_max, r);
      fill_max = std::max(fill_max, f);
    }
    ++in_interval;
  }

  void close_interval() {
    out.rx_ring.series.push_back(rx_max);
    out.fill_ring.series.push_back(fill_max);
    rx_max = fill_max = 0;
    in_interval = 0;
    uint64_t full = 0, dropped = 0, empty = 0;
    for (size_t i = 0; i < fds.size(); ++i) {
      XskStatistics now = read_xdp_statistics(fds[i], "afxdp sink sampler: XDP_STATISTICS");
      full += counter_delta(now.rx_ring_full, last[i].rx_ring_full);
      dropped += counter_delta(now.rx_dropped, last[i].rx_dropped);
      empty += counter_delta(now.rx_fill_ring_empty_descs, last[i].rx_fill_ring_empty_descs);
      last[i] = now;
    }
    out.rx_ring_full.push_back(full);
    out.rx_dropped.push_back(dropped);
    out.rx_fill_ring_empty_descs.push_back(empty);
  }

  // Adds what the counters moved after the last interval (the drain) to that interval.
  void finish(const std::vector<XskStatistics>& final_stats) {
    if (!out.error.empty() || out.rx_ring_full.empty()) return;
    for (size_t i = 0; i < final_stats.size() && i < last.size(); ++i) {
      out.rx_ring_full.back() += counter_delta(final_stats[i].rx_ring_full, last[i].rx_ring_full);
      out.rx_dropped.back() += counter_delta(final_stats[i].rx_dropped, last[i].rx_dropped);
      out.rx_fill_ring_empty_descs.back() +=
          counter_delta(final_stats[i].rx_fill_ring_empty_descs, last[i].rx_fill_ring_empty_descs);
    }
  }
};

void AfxdpSink::start() {
  if (running_) throw std::logic_error("afxdp sink: already started");
  probes::route_libbpf_logs();
  route_libxdp_logs();
  stop_.store(false);
  abort_.store(false);
  workers_.clear();
  try {
    prog_ = std::make_unique<Program>();
    prog_->skel.reset(xsk_redirect_bpf__open_and_load());
    if (!prog_->skel) throw_errno("afxdp sink: load BPF object xsk_redirect");
    const int xsks_fd = bpf_map__fd(prog_->skel->maps.xsks);

    core::NetnsGuard in_ns(cfg_.netns_fd);
    const int ifindex = int(if_nametoindex(cfg_.ifname.c_str()));
    if (ifindex == 0) throw_errno(fmt::format("afxdp sink: no link {} in the DUT netns", cfg_.ifname));

    const bool l2fwd = cfg_.mode == AfxdpMode::kL2Fwd;
    for (unsigned q = 0; q < cfg_.queues; ++q) {
      auto s = std::make_unique<Socket>();
      s->queue = q;
      s->res.queue = q;
      s->area_len = size_t(cfg_.frames) * cfg_.frame_size;
      s->area = mmap(nullptr, s->area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (s->area == MAP_FAILED)
        throw_errno(fmt::format("afxdp sink: mmap {} bytes of umem for queue {}", s->area_len, q));
      create_umem(cfg_, &s->umem, s->area, s->area_len, &s->fill, &s->comp, q);

      xsk_socket_config xcfg{};
      xcfg.rx_size = cfg_.rx_size;
      xcfg.tx_size = l2fwd ? cfg_.tx_size : 0;
      // Our own program is attached below; libxdp's would need its dispatcher (freplace).
      xcfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
      const uint16_t wake = cfg_.need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
      int err = -EOPNOTSUPP;
      if (cfg_.try_zerocopy) {
        xcfg.bind_flags = XDP_ZEROCOPY | wake;
        err = xsk_socket__create(&s->xsk, cfg_.ifname.c_str(), q, s->umem, &s->rx, l2fwd ? &s->tx : nullptr, &xcfg);
        if (err == 0) {
          s->res.bind_mode = XskBindMode::kZeroCopy;
        } else {
          s->res.zerocopy_refused = std::strerror(-err);
          s->xsk = nullptr;
          // A failed bind leaves the umem's fill/comp rings in an unknown state: start over.
          xsk_umem__delete(s->umem);
          s->umem = nullptr;
          create_umem(cfg_, &s->umem, s->area, s->area_len, &s->fill, &s->comp, q);
        }
      }
      if (!s->xsk) {
        xcfg.bind_flags = XDP_COPY | wake;
        err = xsk_socket__create(&s->xsk, cfg_.ifname.c_str(), q, s->umem, &s->rx, l2fwd ? &s->tx : nullptr, &xcfg);
        if (err) {
          s->xsk = nullptr;
          throw_errno(-err, fmt::format("afxdp sink: create AF_XDP socket on {} queue {} (XDP_COPY)", cfg_.ifname, q));
        }
        s->res.bind_mode = XskBindMode::kCopy;
      }
      s->fd = xsk_socket__fd(s->xsk);
      s->res.busy_poll = cfg_.busy_poll ? enable_busy_poll(s->fd, cfg_) : "off";
      if (s->res.busy_poll != "on" && cfg_.busy_poll)
        PB_WARN("afxdp sink: busy poll on {} queue {}: {}", cfg_.ifname, q, s->res.busy_poll);

      s->free_frames.reserve(cfg_.frames);
      for (unsigned f = cfg_.frames; f-- > 0;) s->free_frames.push_back(uint64_t(f) * cfg_.frame_size);
      refill(s->fill, s->free_frames);

      if (int e = xsk_socket__update_xskmap(s->xsk, xsks_fd); e)
        throw_errno(-e, fmt::format("afxdp sink: put the socket of queue {} into the XSKMAP", q));
      PB_DEBUG("afxdp sink: {} queue {}: {} mode{}", cfg_.ifname, q, to_string(s->res.bind_mode),
               s->res.zerocopy_refused.empty() ? "" : " (zerocopy: " + s->res.zerocopy_refused + ")");
      sockets_.push_back(std::move(s));
    }

    // Attached last, with every socket in the map: no frame falls back for want of one.
    prog_->link.emplace(XdpAttachment::attach(bpf_program__fd(prog_->skel->progs.xsk_redirect), ifindex, cfg_.xdp_mode));
  } catch (...) {
    teardown();
    throw;
  }

  for (unsigned i = 0; i < nthreads_; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = i;
    for (unsigned q = i; q < cfg_.queues; q += nthreads_) w->sockets.push_back(sockets_[q].get());
    if (cfg_.expected_flows > 0)
      for (unsigned f = 0; f < cfg_.expected_flows; ++f) w->flows.emplace_back(cfg_.reorder_window);
    workers_.push_back(std::move(w));
  }
  running_ = true;
  for (auto& w : workers_) w->thread = std::thread([this, wp = w.get()] { worker_main(*wp); });

  if (cfg_.sample_ms != 0) {
    sampler_ = std::make_unique<Sampler>();
    Sampler& sm = *sampler_;
    sm.out.sample_ms = cfg_.sample_ms;
    sm.out.interval_ms = cfg_.interval_ms;
    sm.out.rx_ring.capacity = cfg_.rx_size;
    sm.out.fill_ring.capacity = cfg_.fill_size;
    try {
      for (auto& s : sockets_) {
        sm.rx.push_back({s->rx.producer, s->rx.consumer, s->rx.size});
        sm.fill.push_back({s->fill.producer, s->fill.consumer, s->fill.size});
        sm.fds.push_back(s->fd);
        sm.last.push_back(read_xdp_statistics(s->fd, fmt::format("afxdp sink: XDP_STATISTICS of queue {}", s->queue)));
      }
      sm.thread = std::thread([this] { sampler_main(); });
    } catch (const std::exception& e) {
      // The sink still works without its queue view; the report says why it is missing.
      sm.out.error = e.what();
      PB_WARN("afxdp sink: no ring sampler: {}", e.what());
    }
  }
}

void AfxdpSink::sampler_main() {
  pthread_setname_np(pthread_self(), "pb-afxdp-sample");  // its CPU time shows in top -H
  Sampler& sm = *sampler_;
  const auto period = std::chrono::milliseconds(cfg_.sample_ms);
  const unsigned per_interval = cfg_.interval_ms / cfg_.sample_ms;
  auto next = std::chrono::steady_clock::now();
  std::unique_lock lock(sm.mu);
  try {
    for (;;) {
      next += period;
      // A late wakeup (a busy CPU) starts the schedule over instead of sampling in a burst.
      if (auto now = std::chrono::steady_clock::now(); now > next + period) next = now + period;
      if (sm.cv.wait_until(lock, next, [&] { return sm.stop; })) return;
      sm.sample();
      if (sm.in_interval == per_interval) sm.close_interval();
    }
  } catch (const std::exception& e) {
    sm.out.error = e.what();
    PB_WARN("afxdp sink: ring sampler stopped: {}", e.what());
  }
}

void AfxdpSink::stop_sampler(bool last) {
  if (!sampler_ || !sampler_->thread.joinable()) return;
  Sampler& sm = *sampler_;
  {
    std::lock_guard lock(sm.mu);
    sm.stop = true;
  }
  sm.cv.notify_all();
  sm.thread.join();
  if (!last || !sm.out.error.empty()) return;
  try {
    sm.sample();  // the last, partial interval
    sm.close_interval();
  } catch (const std::exception& e) {
    sm.out.error = e.what();
  }
}

void AfxdpSink::worker_main(Worker& w) {
  try {
    // The sockets work from any netns; entering the DUT's keeps the busy-poll and wakeup
    // syscalls of this thread where the device is, as a reader would run in production.
    core::NetnsGuard in_ns(cfg_.netns_fd);

    const bool l2fwd = cfg_.mode == AfxdpMode::kL2Fwd;
    const uint32_t flow_limit = cfg_.expected_flows > 0 ? cfg_.expected_flows : kMaxFlows;
    const uint64_t frame_mask = ~uint64_t(cfg_.frame_size - 1);
    const uint32_t batch = cfg_.batch;
    uint64_t last_rx_ns = 0;
    std::vector<pollfd> pfds;
    for (Socket* s : w.sockets) pfds.push_back({s->fd, POLLIN, 0});

    auto kick_tx = [&](Socket& s) {
      if (cfg_.need_wakeup && !xsk_ring_prod__needs_wakeup(&s.tx)) return;
      if (sendto(s.fd, nullptr, 0, MSG_DONTWAIT, nullptr, 0) < 0 && !transient(errno))
        throw_errno(fmt::format("afxdp sink: sendto wakeup on queue {}", s.queue));
    };
    auto kick_rx = [&](Socket& s) {
      if (recvfrom(s.fd, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr) < 0 && !transient(errno))
        throw_errno(fmt::format("afxdp sink: recvfrom wakeup on queue {}", s.queue));
    };
    auto reap = [&](Socket& s) {
      uint32_t idx = 0;
      uint32_t n = xsk_ring_cons__peek(&s.comp, cfg_.comp_size, &idx);
      for (uint32_t i = 0; i < n; ++i) s.free_frames.push_back(*xsk_ring_cons__comp_addr(&s.comp, idx + i) & frame_mask);
      if (n) xsk_ring_cons__release(&s.comp, n);
      s.res.completed += n;
      s.tx_outstanding -= std::min(s.tx_outstanding, n);
    };

    // Reads one batch from s; returns the number of descriptors taken.
    auto service = [&](Socket& s) -> uint32_t {
      if (l2fwd && s.tx_outstanding) reap(s);
      uint32_t idx = 0;
      uint32_t n = xsk_ring_cons__peek(&s.rx, batch, &idx);
      if (n == 0) {
        // Zero-copy drivers stop taking frames once they ran out; they set the flag and
        // wait for a syscall.
        if (cfg_.need_wakeup && xsk_ring_prod__needs_wakeup(&s.fill)) kick_rx(s);
        if (l2fwd && s.tx_outstanding) kick_tx(s);
        refill(s.fill, s.free_frames);
        return 0;
      }
      const uint64_t now = core::mono_ns();
      if (s.first_ns == 0) s.first_ns = now;
      s.last_ns = now;
      uint32_t tx_idx = 0, tx_n = 0;
      if (l2fwd) {
        tx_n = xsk_ring_prod__reserve(&s.tx, n, &tx_idx);
        // xsk_ring_prod__reserve() is all or nothing: tx_n is n or 0.
        if (tx_n < n) {
          kick_tx(s);
          reap(s);
          tx_n = xsk_ring_prod__reserve(&s.tx, n, &tx_idx);
        }
      }
      uint32_t sent = 0;
      for (uint32_t i = 0; i < n; ++i) {
        const xdp_desc* d = xsk_ring_cons__rx_desc(&s.rx, idx + i);
        const uint64_t addr = xsk_umem__add_offset_to_addr(d->addr);
        uint8_t* frame = static_cast<uint8_t*>(xsk_umem__get_data(s.area, addr));
        std::optional<pb_payload> tag = parse_tag(frame, d->len);
        if (!tag || tag->magic != PB_PAYLOAD_MAGIC || tag->flow >= flow_limit) {
          ++s.res.malformed;
        } else {
          ++s.res.delivered;
          s.res.bytes += d->len;
          // Same host, same CLOCK_MONOTONIC: a tx_ns in the future is a foreign sender's tag.
          w.latency.record(now > tag->tx_ns ? now - tag->tx_ns : 0);
          while (w.flows.size() <= tag->flow) w.flows.emplace_back(cfg_.reorder_window);
          w.flows[tag->flow].record(tag->seq);
        }
        if (l2fwd && tx_n == n) {
          swap_macs(frame);
          xdp_desc* t = xsk_ring_prod__tx_desc(&s.tx, tx_idx + sent++);
          t->addr = d->addr;
          t->len = d->len;
          t->options = 0;
        } else {
          if (l2fwd) ++s.res.tx_dropped;
          s.free_frames.push_back(addr & frame_mask);
        }
      }
      xsk_ring_cons__release(&s.rx, n);
      if (l2fwd && sent > 0) {
        xsk_ring_prod__submit(&s.tx, sent);
        s.res.tx += sent;
        s.tx_outstanding += sent;
        kick_tx(s);
      }
      refill(s.fill, s.free_frames);
      s.delivered_live.store(s.res.delivered, std::memory_order_relaxed);
      return n;
    };

    for (;;) {
      if (abort_.load(std::memory_order_relaxed)) break;
      uint32_t got = 0;
      for (Socket* s : w.sockets) got += service(*s);
      const uint64_t now = core::mono_ns();
      if (got) last_rx_ns = now;
      if (stop_.load(std::memory_order_acquire)) {
        const uint64_t stop_ns = stop_ns_.load(std::memory_order_relaxed);
        if (now >= std::max(stop_ns, last_rx_ns) + uint64_t(cfg_.idle_ms) * 1'000'000) break;
        if (now >= stop_ns + uint64_t(cfg_.max_drain_ms) * 1'000'000) {
          if (got)
            PB_WARN("afxdp sink: thread {} still receiving {} ms after stop; giving up the drain", w.index,
                    cfg_.max_drain_ms);
          break;
        }
      }
      if (got) continue;
      if (cfg_.busy_poll) {
        // Busy polling: the syscall runs the device's NAPI loop on this CPU.
        for (Socket* s : w.sockets) kick_rx(*s);
        continue;
      }
      bool tx_pending = false;
      for (Socket* s : w.sockets) tx_pending |= s->tx_outstanding > 0;
      for (pollfd& p : pfds) p.revents = 0;
      // l2fwd with frames in flight: come back soon to kick the TX ring and reap completions.
      if (poll(pfds.data(), pfds.size(), tx_pending ? 1 : kPollMs) < 0 && errno != EINTR) throw_errno("afxdp sink: poll");
    }
    if (l2fwd)
      for (Socket* s : w.sockets) reap(*s);
  } catch (...) {
    w.error = std::current_exception();
  }
}

AfxdpSinkResult AfxdpSink::stop(bool drain) {
  if (!running_) throw std::logic_error("afxdp sink: not started");
  // The trial's load is over: the queue view ends here, not after the drain.
  stop_sampler(drain);
  if (drain) {
    stop_ns_.store(core::mono_ns(), std::memory_order_relaxed);
    stop_.store(true, std::memory_order_release);
  } else {
    abort_.store(true);
  }
  for (auto& w : workers_) w->thread.join();
  running_ = false;
  for (auto& w : workers_)
    if (w->error) {
      teardown();
      std::rethrow_exception(w->error);
    }

  AfxdpSinkResult res;
  res.xdp_mode = cfg_.xdp_mode;
  const int ncpu = std::max(libbpf_num_possible_cpus(), 1);
  std::vector<pb_xsk_counts> per_cpu(size_t(ncpu), pb_xsk_counts{});
  std::vector<pb_xsk_counts> per_queue(PB_XSK_MAX_QUEUES, pb_xsk_counts{});
  // Detach first so the program's counters and the socket statistics are final and agree.
  prog_->link.reset();
  const int counts_fd = bpf_map__fd(prog_->skel->maps.counts);
  for (uint32_t q = 0; q < PB_XSK_MAX_QUEUES; ++q) {
    if (bpf_map_lookup_elem(counts_fd, &q, per_cpu.data()) != 0) {
      int err = errno;
      teardown();
      throw_errno(err, "afxdp sink: read xsk_redirect counters");
    }
    for (const pb_xsk_counts& c : per_cpu) {
      per_queue[q].redirected += c.redirected;
      per_queue[q].fallback += c.fallback;
    }
    res.redirected += per_queue[q].redirected;
    res.fallback += per_queue[q].fallback;
  }

  uint64_t first = 0, last = 0;
  for (auto& s : sockets_) {
    try {
      s->res.stats = read_xdp_statistics(s->fd, fmt::format("afxdp sink: XDP_STATISTICS of queue {}", s->queue));
    } catch (...) {
      teardown();
      throw;
    }
    s->res.redirected = per_queue[s->queue].redirected;
    s->res.fallback = per_queue[s->queue].fallback;
    res.delivered += s->res.delivered;
    res.bytes += s->res.bytes;
    res.malformed += s->res.malformed;
    res.tx += s->res.tx;
    res.completed += s->res.completed;
    res.per_queue.push_back(s->res.delivered);
    res.sockets.push_back(s->res);
    if (s->first_ns != 0) {
      first = first == 0 ? s->first_ns : std::min(first, s->first_ns);
      last = std::max(last, s->last_ns);
    }
  }
  for (auto& w : workers_) {
    res.latency.merge(w->latency);
    if (res.flows.size() < w->flows.size()) res.flows.resize(w->flows.size());
    for (size_t f = 0; f < w->flows.size(); ++f) res.flows[f].counts += w->flows[f].counts();
  }
  for (traffic::UdpFlowRx& f : res.flows) f.lost = f.counts.gaps();
  res.elapsed_s = last > first ? double(last - first) / 1e9 : 0;
  if (sampler_) {
    std::vector<XskStatistics> final_stats;
    for (const AfxdpSocketResult& s : res.sockets) final_stats.push_back(s.stats);
    sampler_->finish(final_stats);
    res.queues = std::move(sampler_->out);
    sampler_.reset();
  }
  workers_.clear();
  teardown();
  return res;
}

uint64_t AfxdpSink::delivered_now() const {
  uint64_t n = 0;
  for (const auto& s : sockets_) n += s->delivered_live.load(std::memory_order_relaxed);
  return n;
}

}  // namespace pb::xdp
