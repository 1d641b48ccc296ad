// SPDX-License-Identifier: GPL-2.0
/* skblife: the book's kprobe:kmem_cache_alloc -> kprobe:kmem_cache_free on the skbuff
 * caches, on tracepoints, with the ends this kernel actually reports. Births: kmem_cache_alloc
 * whose cache is named skbuff_head_cache (every sk_buff that is not an fclone, clones
 * included), or whose call site lies in __alloc_skb (alloc_skb_lo..alloc_skb_hi, from
 * kallsyms) in a cache other than skbuff_head_cache and skbuff_small_head: the fclone cache,
 * which is slab-merged and carries another cache's name. Ends: the first consume_skb,
 * kfree_skb or kmem_cache_free of the address. Most frees of received skbs go through the
 * per-CPU NAPI skb cache and bulk frees that no event reports; such a life is only noticed
 * when the address is allocated again (PB_SKBLIFE_UNSEEN). No netns filter: at allocation
 * an skb has neither device nor socket. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "bench/core/histogram_buckets.h"
#include "skblife.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u64 alloc_skb_lo = 0; /* [lo, hi): __alloc_skb's text; 0: fclones not followed */
const volatile __u64 alloc_skb_hi = 0;

/* The caches, learnt from their names at the first allocation seen (every CPU writes the same value). */
__u64 head_cache = 0;
__u64 small_head_cache = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_SKBLIFE_MAX_SKBS);
	__type(key, __u64); /* the sk_buff's address */
	__type(value, struct pb_skblife_birth);
} lives SEC(".maps");

/* Lifespans in nanoseconds, the project's log-linear buckets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SKBLIFE_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void bump(__u32 counter)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &counter);
	if (v)
		*v += 1;
}

static __always_inline int name_is(const char *name, const char *want, int len)
{
	for (int i = 0; i < PB_SKBLIFE_NAME_LEN; i++) {
		if (i > len)
			break;
		if (name[i] != want[i])
			return 0;
	}
	return 1;
}

/* 1: skbuff_head_cache, 2: the fclone cache (by call site), 0: not an sk_buff. */
static __always_inline int skb_cache(__u64 call_site, const struct kmem_cache *s)
{
	__u64 cache = (__u64)s;
	if (cache == head_cache)
		return 1;
	int in_alloc_skb = call_site >= alloc_skb_lo && call_site < alloc_skb_hi;
	if (head_cache && cache == small_head_cache)
		return 0;
	if (head_cache && !in_alloc_skb)
		return 0;
	/* Until both caches are known, and for __alloc_skb's other caches: by name. */
	char name[PB_SKBLIFE_NAME_LEN] = {};
	const char *p = BPF_CORE_READ(s, name);
	if (!p || bpf_probe_read_kernel_str(name, sizeof(name), p) < 0)
		return 0;
	if (name_is(name, "skbuff_head_cache", 17)) {
		head_cache = cache;
		return 1;
	}
	if (name_is(name, "skbuff_small_head", 17)) {
		small_head_cache = cache;
		return 0;
	}
	return in_alloc_skb ? 2 : 0;
}

static __always_inline void end_life(__u64 ptr, __u32 how)
{
	struct pb_skblife_birth *b = bpf_map_lookup_elem(&lives, &ptr);
	if (!b)
		return;
	__u64 now = bpf_ktime_get_ns(), born = b->ts_ns;
	bpf_map_delete_elem(&lives, &ptr);
	if (born > now)
		return;
	__u32 idx = pb_hist_bucket(now - born);
	__u64 *v = bpf_map_lookup_elem(&hist, &idx);
	if (v)
		*v += 1;
	bump(how);
}

static __always_inline void on_alloc(__u64 call_site, __u64 ptr, const struct kmem_cache *s)
{
	if (!ptr || !s)
		return;
	int kind = skb_cache(call_site, s);
	if (!kind)
		return;
	struct pb_skblife_birth b = {.ts_ns = bpf_ktime_get_ns(), .fclone = kind == 2};
	if (bpf_map_update_elem(&lives, &ptr, &b, BPF_NOEXIST) != 0) {
		bump(PB_SKBLIFE_UNSEEN);
		bpf_map_update_elem(&lives, &ptr, &b, BPF_ANY);
	}
	bump(kind == 2 ? PB_SKBLIFE_BORN_FCLONE : PB_SKBLIFE_BORN);
}

/* kmem:kmem_cache_alloc / kmem_cache_free (their TP_PROTO carries the kmem_cache: check() reads the
 * arity from BTF), skb:consume_skb,
 * skb:kfree_skb: tp_btf (5.5+) with raw_tp twins. */
PB_TWIN(skblife_alloc, kmem_cache_alloc, unsigned long call_site, const void *ptr, struct kmem_cache *s)
{
	on_alloc(call_site, (__u64)ptr, s);
	return 0;
}

PB_TWIN(skblife_free, kmem_cache_free, unsigned long call_site, const void *ptr)
{
	end_life((__u64)ptr, PB_SKBLIFE_SLAB_FREED);
	return 0;
}

PB_TWIN(skblife_consume_skb, consume_skb, struct sk_buff *skb)
{
	end_life((__u64)skb, PB_SKBLIFE_CONSUMED);
	return 0;
}

PB_TWIN(skblife_kfree_skb, kfree_skb, struct sk_buff *skb)
{
	end_life((__u64)skb, PB_SKBLIFE_DROPPED);
	return 0;
}
