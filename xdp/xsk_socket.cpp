#include "xdp/xsk_socket.h"

#include <linux/if_xdp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <xdp/libxdp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstddef>
#include <cstring>
#include <thread>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "kernel_probes/bpf_util.h"

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

int libxdp_print(enum libxdp_print_level, const char* fmt, va_list args) {
  PB_DEBUG("libxdp: {}", probes::format_print(fmt, args));
  return 0;
}

// Errors from a wakeup syscall that only mean "try again later".
bool transient(int err) { return err == EAGAIN || err == EBUSY || err == ENOBUFS || err == EINTR || err == ENETDOWN; }

// Sets the busy-poll knobs; returns "on" or what the kernel refused.
std::string enable_busy_poll(int fd, const XskSocketConfig& cfg) {
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

}  // namespace

const char* to_string(XskBindMode m) { return m == XskBindMode::kCopy ? "copy" : "zerocopy"; }

void route_libxdp_logs() { libxdp_set_print(libxdp_print); }

XskSocket::XskSocket(const XskSocketConfig& cfg)
    : cfg_(cfg), area_(MAP_FAILED), frame_mask_(~uint64_t(cfg.frame_size - 1)) {
  route_libxdp_logs();
  const unsigned q = cfg_.queue;
  area_len_ = size_t(cfg_.frames) * cfg_.frame_size;
  area_ = mmap(nullptr, area_len_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area_ == MAP_FAILED) throw_errno(fmt::format("afxdp sink: mmap {} bytes of umem for queue {}", area_len_, q));
  try {
    create_umem();
    xsk_socket_config xcfg{};
    xcfg.rx_size = cfg_.rx_size;
    xcfg.tx_size = cfg_.tx_size;
    // The owner attaches its own program; libxdp's would need its dispatcher (freplace).
    xcfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
    const uint16_t wake = cfg_.need_wakeup ? XDP_USE_NEED_WAKEUP : 0;
    xsk_ring_prod* tx = cfg_.tx_size ? &tx_ : nullptr;
    if (cfg_.try_zerocopy) {
      xcfg.bind_flags = XDP_ZEROCOPY | wake;
      int err = xsk_socket__create(&xsk_, cfg_.ifname.c_str(), q, umem_, &rx_, tx, &xcfg);
      if (err == 0) {
        bind_mode_ = XskBindMode::kZeroCopy;
      } else {
        zerocopy_refused_ = std::strerror(-err);
        xsk_ = nullptr;
        // A failed bind leaves the umem's fill/comp rings in an unknown state: start over.
        xsk_umem__delete(umem_);
        umem_ = nullptr;
        create_umem();
      }
    }
    if (!xsk_) {
      xcfg.bind_flags = XDP_COPY | wake;
      // A copy bind right after the refused zero-copy one met EBUSY once here (the refused
      // bind's buffer pool is likely still being released): retry for up to ~0.5 s, each
      // time on a fresh umem as above.
      for (int attempt = 0;; ++attempt) {
        int err = xsk_socket__create(&xsk_, cfg_.ifname.c_str(), q, umem_, &rx_, tx, &xcfg);
        if (err == 0) break;
        xsk_ = nullptr;
        if (err != -EBUSY || !cfg_.try_zerocopy || attempt >= 50)
          throw_errno(-err, fmt::format("afxdp sink: create AF_XDP socket on {} queue {} (XDP_COPY)", cfg_.ifname, q));
        xsk_umem__delete(umem_);
        umem_ = nullptr;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        create_umem();
      }
      bind_mode_ = XskBindMode::kCopy;
    }
    fd_ = xsk_socket__fd(xsk_);
    if (cfg_.busy_poll) busy_poll_ = enable_busy_poll(fd_, cfg_);
  } catch (...) {
    release();  // the destructor does not run for a constructor that throws
    throw;
  }
  free_frames_.reserve(cfg_.frames);
  for (unsigned f = cfg_.frames; f-- > 0;) free_frames_.push_back(uint64_t(f) * cfg_.frame_size);
  refill();
}

XskSocket::~XskSocket() { release(); }

void XskSocket::release() noexcept {
  if (xsk_) xsk_socket__delete(xsk_);
  if (umem_) xsk_umem__delete(umem_);
  if (area_ != MAP_FAILED) munmap(area_, area_len_);
  xsk_ = nullptr;
  umem_ = nullptr;
  area_ = MAP_FAILED;
}

void XskSocket::create_umem() {
  xsk_umem_config ucfg{};
  ucfg.fill_size = cfg_.fill_size;
  ucfg.comp_size = cfg_.comp_size;
  ucfg.frame_size = cfg_.frame_size;
  ucfg.frame_headroom = 0;
  ucfg.flags = 0;
  if (int err = xsk_umem__create(&umem_, area_, area_len_, &fill_, &comp_, &ucfg); err) {
    umem_ = nullptr;
    throw_errno(-err, fmt::format("afxdp sink: create umem for {} queue {} ({} x {} bytes)", cfg_.ifname, cfg_.queue,
                                  cfg_.frames, cfg_.frame_size));
  }
}

XskStatistics XskSocket::statistics() const {
  xdp_statistics st{};
  socklen_t len = sizeof(st);
  if (getsockopt(fd_, SOL_XDP, XDP_STATISTICS, &st, &len) != 0)
    throw_errno(fmt::format("afxdp sink: XDP_STATISTICS of queue {}", cfg_.queue));
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

void XskSocket::add_to_xskmap(int xskmap_fd) const {
  if (int e = xsk_socket__update_xskmap(xsk_, xskmap_fd); e)
    throw_errno(-e, fmt::format("afxdp sink: put the socket of queue {} into the XSKMAP", cfg_.queue));
}

void XskSocket::refill() {
  if (free_frames_.empty()) return;
  uint32_t idx = 0;
  const uint32_t want = uint32_t(free_frames_.size());
  const uint32_t n = std::min(xsk_prod_nb_free(&fill_, want), want);
  if (n == 0 || xsk_ring_prod__reserve(&fill_, n, &idx) != n) return;
  for (uint32_t i = 0; i < n; ++i) {
    *xsk_ring_prod__fill_addr(&fill_, idx + i) = free_frames_.back();
    free_frames_.pop_back();
  }
  xsk_ring_prod__submit(&fill_, n);
}

void XskSocket::wake_rx_if_needed() {
  if (cfg_.need_wakeup && xsk_ring_prod__needs_wakeup(&fill_)) wake_rx();
}

void XskSocket::wake_rx() {
  if (recvfrom(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, nullptr) < 0 && !transient(errno))
    throw_errno(fmt::format("afxdp sink: recvfrom wakeup on queue {}", cfg_.queue));
}

void XskSocket::wake_tx() {
  if (cfg_.need_wakeup && !xsk_ring_prod__needs_wakeup(&tx_)) return;
  if (sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0) < 0 && !transient(errno))
    throw_errno(fmt::format("afxdp sink: sendto wakeup on queue {}", cfg_.queue));
}

uint32_t XskSocket::reap() {
  uint32_t idx = 0;
  const uint32_t n = xsk_ring_cons__peek(&comp_, cfg_.comp_size, &idx);
  for (uint32_t i = 0; i < n; ++i) free_frames_.push_back(*xsk_ring_cons__comp_addr(&comp_, idx + i) & frame_mask_);
  if (n) xsk_ring_cons__release(&comp_, n);
  tx_outstanding_ -= std::min(tx_outstanding_, n);
  return n;
}

}  // namespace pb::xdp
