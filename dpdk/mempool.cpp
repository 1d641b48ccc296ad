#include "dpdk/mempool.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "bench/core/errors.h"

namespace pb::dpdk {

Mempool::Mempool(const std::string& name, unsigned n, unsigned cache, uint16_t data_room, int socket) {
  pool_ = rte_pktmbuf_pool_create(name.c_str(), n, cache, 0, data_room, socket);
  if (pool_ == nullptr)
    core::throw_errno(rte_errno, "rte_pktmbuf_pool_create(" + name + ", " + std::to_string(n) + " mbufs)");
}

Mempool::~Mempool() {
  if (pool_ != nullptr) rte_mempool_free(pool_);
}

unsigned Mempool::available() const { return rte_mempool_avail_count(pool_); }

unsigned Mempool::size() const { return pool_->size; }

}  // namespace pb::dpdk
