// Per-CPU BPF maps from user space: a lookup returns one value per possible CPU. The one
// place the probe families and XDP loaders read, sum and clear them (arrays; hashes by
// iteration).
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>
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

// The sum over CPUs of every key [0, nkeys) of a per-CPU array of __u64 counters, in one
// BPF_MAP_LOOKUP_BATCH pass instead of a lookup per key; throws std::system_error naming
// `what`.
inline std::vector<uint64_t> sum_percpu_batch(int fd, uint32_t nkeys, const std::string& what) {
  const size_t ncpu = possible_cpus();
  std::vector<uint64_t> sums(nkeys, 0);
  std::vector<uint32_t> keys(nkeys);
  std::vector<uint64_t> values(size_t(nkeys) * ncpu);  // [key][cpu]
  uint32_t in = 0, out = 0, done = 0;
  bool first = true;
  // Array maps hand out every key in order; the batch that reaches the end fails with ENOENT.
  while (done < nkeys) {
    uint32_t count = nkeys - done;
    int err = bpf_map_lookup_batch(fd, first ? nullptr : &in, &out, keys.data() + done,
                                   values.data() + size_t(done) * ncpu, &count, nullptr);
    if (err && err != -ENOENT) core::throw_errno(-err, "read " + what);
    for (uint32_t i = done; i < done + count; ++i) {
      if (keys[i] >= nkeys) continue;
      for (size_t c = 0; c < ncpu; ++c) sums[keys[i]] += values[size_t(i) * ncpu + c];
    }
    done += count;
    if (err || count == 0) break;
    in = out;
    first = false;
  }
  return sums;
}

// Calls fn(key, values) for every entry of a per-CPU hash map with keys of type K and
// values of type T, one per possible CPU; an entry deleted while we iterate is skipped.
// Throws std::system_error naming `what` when the iteration fails.
template <typename K, typename T, typename Fn>
void for_each_percpu(int fd, const std::string& what, Fn&& fn) {
  std::vector<T> per_cpu(possible_cpus());
  K key{}, next{};
  const void* prev = nullptr;
  int err;
  while ((err = bpf_map_get_next_key(fd, prev, &next)) == 0) {
    if (bpf_map_lookup_elem(fd, &next, per_cpu.data()) == 0) fn(next, std::as_const(per_cpu));
    key = next;
    prev = &key;
  }
  if (err != -ENOENT) core::throw_errno(-err, "read " + what);
}

// Zeroes keys [0, nkeys) on every CPU; throws std::system_error naming `what`.
template <typename T>
void zero_percpu(int fd, uint32_t nkeys, const std::string& what) {
  std::vector<T> zeros(possible_cpus());
  for (uint32_t k = 0; k < nkeys; ++k)
    if (bpf_map_update_elem(fd, &k, zeros.data(), BPF_ANY) != 0) core::throw_errno("clear " + what);
}

}  // namespace pb::probes
