// Mempool: one rte_pktmbuf pool, RAII.
#pragma once

#include <cstdint>
#include <string>

struct rte_mempool;

namespace pb::dpdk {

// Owns a packet mbuf pool made by rte_pktmbuf_pool_create; freed in the destructor, which
// must run after every port using it is closed. Move-only.
class Mempool {
 public:
  // `n` mbufs of `data_room` bytes (headroom included) with a per-lcore cache of `cache`,
  // on NUMA `socket` (SOCKET_ID_ANY allowed). Throws std::system_error naming the pool.
  Mempool(const std::string& name, unsigned n, unsigned cache, uint16_t data_room, int socket);
  ~Mempool();
  Mempool(Mempool&& other) noexcept : pool_(other.pool_) { other.pool_ = nullptr; }
  Mempool& operator=(Mempool&&) = delete;
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  rte_mempool* get() const { return pool_; }
  // Mbufs currently free in the pool (caches included).
  unsigned available() const;
  // Mbufs the pool was made with.
  unsigned size() const;

 private:
  rte_mempool* pool_ = nullptr;
};

}  // namespace pb::dpdk
