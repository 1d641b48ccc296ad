// SPDX-License-Identifier: GPL-2.0
/* skbdrop: one event per kfree_skb drop, and counts by (reason, location) that stay exact
 * when the event ring overflows. Filtered to one netns by the filter_netns knob. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "skbdrop.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PB_SKBDROP_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PB_SKBDROP_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SKBDROP_MAX_KEYS);
	__type(key, struct pb_skbdrop_key);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count_drop(__u64 location, __u32 reason)
{
	struct pb_skbdrop_key key = {.location = location, .reason = reason};
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	/* Another CPU may insert the same key first: then add to its entry. */
	if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) != 0) {
		v = bpf_map_lookup_elem(&counts, &key);
		if (v)
			__sync_fetch_and_add(v, 1);
	}
}

static __always_inline void on_drop(void *ctx, const struct sk_buff *skb, __u64 location, __u32 reason)
{
	__u32 ino = pb_skb_netns(skb);
	if (!pb_want_netns(ino))
		return;
	count_drop(location, reason);
	struct pb_skbdrop_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	e->location = location;
	e->reason = reason;
	e->netns = ino;
	e->ifindex = dev ? BPF_CORE_READ(dev, ifindex) : BPF_CORE_READ(skb, skb_iif);
	e->stack_id = bpf_get_stackid(ctx, &stacks, 0);
	e->protocol = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	e->pad = 0;
	e->pad2 = 0;
	bpf_ringbuf_submit(e, 0);
}

/* skb:kfree_skb with reason (5.17+; rx_sk, added in 6.11, unused). tp_btf (5.5+), its
 * raw_tp twin (4.17+) and the classic tracepoint; HookSet attaches the first that works. */
SEC("tp_btf/kfree_skb")
int BPF_PROG(skbdrop_kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	on_drop(ctx, skb, (__u64)location, (__u32)reason);
	return 0;
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(skbdrop_kfree_skb_raw, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	on_drop(ctx, skb, (__u64)location, (__u32)reason);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int skbdrop_kfree_skb_tp(struct trace_event_raw_kfree_skb *ctx)
{
	on_drop(ctx, (const struct sk_buff *)ctx->skbaddr, (__u64)ctx->location, (__u32)ctx->reason);
	return 0;
}
