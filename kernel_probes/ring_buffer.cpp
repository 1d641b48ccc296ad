#include "kernel_probes/ring_buffer.h"

#include <cerrno>
#include <utility>

#include "bench/core/errors.h"
#include "kernel_probes/percpu_map.h"

namespace pb::probes {

RingBuffer::RingBuffer(int ring_map_fd, int lost_map_fd, size_t min_size, Callback cb)
    : cb_(std::move(cb)), lost_fd_(lost_map_fd), min_size_(min_size) {
  rb_.reset(ring_buffer__new(ring_map_fd, &RingBuffer::on_sample, this, nullptr));
  if (!rb_) core::throw_errno("ring_buffer__new (map fd " + std::to_string(ring_map_fd) + ")");
}

RingBuffer::~RingBuffer() = default;

// libbpf calls this from C: nothing may propagate, so an exception is kept and a negative
// return stops the batch; consume() rethrows it.
int RingBuffer::on_sample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingBuffer*>(ctx);
  if (size < self->min_size_) {
    ++self->short_;
    return 0;
  }
  try {
    self->cb_(std::span<const std::byte>(static_cast<const std::byte*>(data), size));
    ++self->received_;
    return 0;
  } catch (...) {
    self->error_ = std::current_exception();
    return -ECANCELED;
  }
}

size_t RingBuffer::consume() {
  int n = ring_buffer__consume(rb_.get());
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  if (n < 0) core::throw_errno(-n, "consume ring buffer");
  return size_t(n);
}

uint64_t RingBuffer::lost() const { return sum_percpu(lost_fd_, 0, "ring buffer lost-event counter"); }

}  // namespace pb::probes
