// RingBuffer: the one owner of a libbpf ring_buffer (ring_buffer__new / __free) over a
// BPF_MAP_TYPE_RINGBUF map. It hands its epoll fd to a poll loop (core::RunLoop), calls a
// callback per record, and reads the BPF side's count of records it could not reserve
// because the ring was full (tools/tool_ring.bpf.h), so lost events are reported, never
// silent.
#pragma once

#include <bpf/libbpf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <span>

namespace pb::probes {

class RingBuffer {
 public:
  using Callback = std::function<void(std::span<const std::byte>)>;

  // `ring_map_fd`: the BPF_MAP_TYPE_RINGBUF map; `lost_map_fd`: a per-CPU array whose key 0
  // counts failed reservations. Records shorter than `min_size` are counted in
  // short_records() and skipped. Throws std::system_error when libbpf cannot map the ring.
  RingBuffer(int ring_map_fd, int lost_map_fd, size_t min_size, Callback cb);
  // A callback taking the record as T (copied out, so alignment does not matter); a record
  // shorter than T is counted in short_records() and skipped.
  template <typename T>
  static std::unique_ptr<RingBuffer> of(int ring_map_fd, int lost_map_fd, std::function<void(const T&)> fn);
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;
  ~RingBuffer();

  // Readable (poll) when the ring holds records.
  int epoll_fd() const { return ring_buffer__epoll_fd(rb_.get()); }
  // Runs the callback on every record in the ring now and returns how many; an exception
  // from the callback stops the batch and propagates. Throws std::system_error on errors.
  size_t consume();

  // Records delivered to the callback since construction.
  uint64_t received() const { return received_; }
  // Records the BPF side dropped because the ring was full, since the program loaded.
  uint64_t lost() const;
  // Records shorter than the callback's type (a layout mismatch: a bug, not the kernel's).
  uint64_t short_records() const { return short_; }

 private:
  static int on_sample(void* ctx, void* data, size_t size);

  struct Deleter {
    void operator()(ring_buffer* rb) const { ring_buffer__free(rb); }
  };
  Callback cb_;
  int lost_fd_;
  size_t min_size_;
  std::unique_ptr<ring_buffer, Deleter> rb_;
  uint64_t received_ = 0;
  uint64_t short_ = 0;
  std::exception_ptr error_;
};

template <typename T>
std::unique_ptr<RingBuffer> RingBuffer::of(int ring_map_fd, int lost_map_fd, std::function<void(const T&)> fn) {
  return std::make_unique<RingBuffer>(ring_map_fd, lost_map_fd, sizeof(T), [fn = std::move(fn)](std::span<const std::byte> rec) {
    T value;
    std::memcpy(&value, rec.data(), sizeof value);
    fn(value);
  });
}

}  // namespace pb::probes
