// XskSocket: one AF_XDP socket with a umem of its own on one RX queue of a link, its four
// rings, the pool of frames user space owns, the busy-poll knobs and XDP_STATISTICS.
#pragma once

#include <xdp/xsk.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pb::xdp {

// What bind() gave a socket: zero-copy (driver support) or copy.
enum class XskBindMode { kCopy, kZeroCopy };

const char* to_string(XskBindMode m);  // "copy" | "zerocopy"

// getsockopt(SOL_XDP, XDP_STATISTICS) of one socket (fields as the kernel names them).
struct XskStatistics {
  uint64_t rx_dropped = 0;                // frame too large, or no fill-ring buffer (copy mode)
  uint64_t rx_invalid_descs = 0;          // bad addresses we put on the fill ring
  uint64_t tx_invalid_descs = 0;
  uint64_t rx_ring_full = 0;              // RX ring had no room: the frame was dropped
  uint64_t rx_fill_ring_empty_descs = 0;  // times the fill ring was found empty
  uint64_t tx_ring_empty_descs = 0;
};

// How to build one socket. Sizes are checked by the owner (AfxdpSink validates them).
struct XskSocketConfig {
  std::string ifname;
  unsigned queue = 0;
  unsigned frames = 4096;       // umem frames (anonymous mmap, no hugepages)
  unsigned frame_size = 2048;   // 2048 or 4096 (aligned umem)
  unsigned fill_size = 2048;    // ring sizes: powers of two
  unsigned comp_size = 2048;
  unsigned rx_size = 2048;
  unsigned tx_size = 0;         // 0: no TX ring
  bool try_zerocopy = true;     // bind with XDP_ZEROCOPY first, then fall back to XDP_COPY
  bool need_wakeup = true;      // XDP_USE_NEED_WAKEUP
  bool busy_poll = false;       // SO_PREFER_BUSY_POLL + SO_BUSY_POLL + SO_BUSY_POLL_BUDGET
  unsigned busy_poll_us = 20;
  unsigned busy_poll_budget = 64;
};

// Where one ring's shared indices live: the ring's mmaped header, written by the kernel
// and by the socket's user-space thread; another thread may load them to see occupancy.
struct XskRingIndices {
  const uint32_t* producer = nullptr;
  const uint32_t* consumer = nullptr;
  uint32_t size = 0;
};

// Routes libxdp's messages through the project logger (debug level, stderr). Idempotent.
void route_libxdp_logs();

// The umem, socket and rings of one RX queue, with every frame either owned by user space
// (the free pool) or on a ring. Built and destroyed by the sink's thread; between those,
// one worker thread drives the rings. No XDP program is loaded for it: the owner attaches
// its own and puts the socket into its XSKMAP.
class XskSocket {
 public:
  // Maps the umem, creates the socket in the caller's netns (XDP_ZEROCOPY first when
  // asked, then XDP_COPY), sets the busy-poll knobs when asked (a refusal is a value, see
  // busy_poll()) and puts every frame on the fill ring. Throws std::system_error naming
  // the link, the queue and the step.
  explicit XskSocket(const XskSocketConfig& cfg);
  XskSocket(const XskSocket&) = delete;
  XskSocket& operator=(const XskSocket&) = delete;
  ~XskSocket();

  int fd() const { return fd_; }
  unsigned queue() const { return cfg_.queue; }
  XskBindMode bind_mode() const { return bind_mode_; }
  // Why XDP_ZEROCOPY failed ("" when not tried or granted).
  const std::string& zerocopy_refused() const { return zerocopy_refused_; }
  // "off", "on", or "refused: SO_...=<value>: <error>".
  const std::string& busy_poll() const { return busy_poll_; }
  // XDP_STATISTICS now; throws std::system_error.
  XskStatistics statistics() const;
  // Puts the socket into slot queue() of an XSKMAP; throws std::system_error.
  void add_to_xskmap(int xskmap_fd) const;

  // The rings, for the one thread that drives them.
  xsk_ring_cons& rx() { return rx_; }
  xsk_ring_prod& tx() { return tx_; }
  XskRingIndices rx_indices() const { return {rx_.producer, rx_.consumer, rx_.size}; }
  XskRingIndices fill_indices() const { return {fill_.producer, fill_.consumer, fill_.size}; }

  // The bytes of the frame a descriptor address points at.
  uint8_t* frame(uint64_t addr) { return static_cast<uint8_t*>(xsk_umem__get_data(area_, addr)); }
  // Gives a received frame back to the free pool.
  void recycle(uint64_t addr) { free_frames_.push_back(addr & frame_mask_); }
  // Moves as many free frames as fit onto the fill ring.
  void refill();
  // Zero-copy drivers stop taking frames once the fill ring ran dry and wait for a
  // syscall: makes it when need_wakeup is on and the kernel set the flag.
  void wake_rx_if_needed();
  // A recvfrom() that runs the device's NAPI loop here (busy polling), or wakes it.
  void wake_rx();
  // Tells the kernel there is work on the TX ring: when it set the flag, or always
  // without need_wakeup.
  void wake_tx();
  // Marks n descriptors submitted on the TX ring as in flight.
  void sent(uint32_t n) { tx_outstanding_ += n; }
  // Moves what the completion ring returned to the free pool; returns how many.
  uint32_t reap();
  // Descriptors on the TX ring or in flight, not yet completed.
  uint32_t tx_outstanding() const { return tx_outstanding_; }

 private:
  void create_umem();
  // Deletes the socket, then the umem, then unmaps the area (whichever exist).
  void release() noexcept;

  XskSocketConfig cfg_;
  void* area_;
  size_t area_len_ = 0;
  xsk_umem* umem_ = nullptr;
  xsk_socket* xsk_ = nullptr;
  xsk_ring_prod fill_{};
  xsk_ring_cons comp_{};
  xsk_ring_cons rx_{};
  xsk_ring_prod tx_{};
  int fd_ = -1;
  uint64_t frame_mask_;
  XskBindMode bind_mode_ = XskBindMode::kCopy;
  std::string zerocopy_refused_;
  std::string busy_poll_ = "off";
  std::vector<uint64_t> free_frames_;  // frame addresses owned by us (not on any ring)
  uint32_t tx_outstanding_ = 0;
};

}  // namespace pb::xdp
