// SPDX-License-Identifier: GPL-2.0
/* socksize: per-CPU histograms of socket read and write sizes (the project's log-linear
 * buckets) and per-comm counts. Nothing goes through the ring. Every filter of tool.bpf.h
 * applies here. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "bench/core/histogram_buckets.h"
#include "socksize.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PB_SOCKSIZE_MAX_KEYS);
	__type(key, struct pb_socksize_key);
	__type(value, struct pb_socksize_value);
} comms SEC(".maps");

#include "sock_len.bpf.h"

static __always_inline void pb_on_sock_len(struct sock *sk, int ret, int flags, __u8 dir)
{
	/* ret <= 0: nothing moved (or -errno); MSG_PEEK: the data stays queued for the next read. */
	if (ret <= 0 || (dir == PB_SOCK_READ && (flags & PB_MSG_PEEK)))
		return;
	struct pb_socksize_key key = {.dir = dir};
	__u32 tgid;
	if (!pb_sock_len_wanted(sk, key.comm, &tgid))
		return;
	__u32 idx = (__u32)dir * PB_HIST_NBUCKETS + pb_hist_bucket((__u64)ret);
	__u64 *n = bpf_map_lookup_elem(&hist, &idx);
	if (n)
		(*n)++;
	struct pb_socksize_value zero = {};
	struct pb_socksize_value *v = pb_percpu_entry(&comms, &key, &zero);
	if (!v)
		return;
	v->count++;
	v->bytes += ret;
}
