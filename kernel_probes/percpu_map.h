// Per-CPU BPF array maps from user space: a lookup returns one value per possible CPU.
// The one place the probe families read, sum and clear them.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/core/errors.h"

namespace pb::probes {

// Possible CPUs (the length of every per-CPU value array), at least 1.
inline size_t possible_cpus() { return size_t(std::max(libbpf_num_possible_cpus(), 1)); }

// The per-CPU values of `key`; throws std::system_error naming `what`.
template <typename T>
std::vector<T> read_percpu(int fd, uint32_t key, const std::string& what) {
  std::vector<T> v(possible_cpus());
  if (bpf_map_lookup_elem(fd, &key, v.data()) != 0) core::throw_errno("read " + what);
  return v;
}

// The sum over CPUs of a counter map's value at `key`.
inline uint64_t sum_percpu(int fd, uint32_t key, const std::string& what) {
  uint64_t sum = 0;
  for (uint64_t v : read_percpu<uint64_t>(fd, key, what)) sum += v;
  return sum;
}

// Zeroes keys [0, nkeys) on every CPU; throws std::system_error naming `what`.
template <typename T>
void zero_percpu(int fd, uint32_t nkeys, const std::string& what) {
  std::vector<T> zeros(possible_cpus());
  for (uint32_t k = 0; k < nkeys; ++k)
    if (bpf_map_update_elem(fd, &k, zeros.data(), BPF_ANY) != 0) core::throw_errno("clear " + what);
}

}  // namespace pb::probes
