// SPDX-License-Identifier: GPL-2.0
/* qdisc-<kind>: enqueue -> dequeue time of the skbs of one qdisc kind, the book's
 * kprobe:<kind>_enqueue -> kretprobe:<kind>_dequeue on the qdisc tracepoints instead.
 * qdisc:qdisc_enqueue fires in dev_qdisc_enqueue() for a successful enqueue into the qdisc
 * hung on the txq (the root, or an mq child), qdisc:qdisc_dequeue at the end of
 * dequeue_skb() with the first skb of the batch (NULL on an empty poll) and the batch size;
 * the rest of a bulk batch hangs on skb->next. The kind is q->ops->id, compared with the
 * `kind` knob; filter_netns is the netns of the qdisc's device. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "bench/core/histogram_buckets.h"
#include "qdisc.h"

char LICENSE[] SEC("license") = "GPL";

const volatile char kind[PB_QDISC_KIND_LEN] = {};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_QDISC_MAX_SKBS);
	__type(key, __u64); /* struct sk_buff * */
	__type(value, struct pb_qdisc_start);
} skbs SEC(".maps");

/* Sojourn in microseconds, the project's log-linear buckets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_QDISC_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_QDISC_MAX_QDISCS);
	__type(key, struct pb_qdisc_key);
	__type(value, struct pb_qdisc_counts);
} qdiscs SEC(".maps");

static __always_inline void bump(__u32 counter, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &counter);
	if (v)
		*v += n;
}

/* The netns inode of q's device when q is of the traced kind and in the traced netns, else 0
 * (a device always has a netns, so 0 never names a real one). */
static __always_inline __u32 traced(const struct Qdisc *q, struct net_device **devp)
{
	char id[PB_QDISC_KIND_LEN] = {};
	if (!q || BPF_CORE_READ_STR_INTO(&id, q, ops, id) < 0)
		return 0;
	for (int i = 0; i < PB_QDISC_KIND_LEN; i++) {
		if (id[i] != kind[i])
			return 0;
		if (!id[i])
			break;
	}
	struct net_device *dev = BPF_CORE_READ(q, dev_queue, dev);
	__u32 netns = pb_dev_netns(dev);
	if (!netns || !pb_want_netns(netns))
		return 0;
	*devp = dev;
	return netns;
}

/* The counts of qdisc q, created on its first event; NULL when the map is full (counted). */
static __always_inline struct pb_qdisc_counts *counts_of(const struct Qdisc *q, struct net_device *dev, __u32 netns)
{
	struct pb_qdisc_key key = {
		.netns = netns,
		.ifindex = BPF_CORE_READ(dev, ifindex),
		.handle = BPF_CORE_READ(q, handle),
		.parent = BPF_CORE_READ(q, parent),
	};
	struct pb_qdisc_counts *c = bpf_map_lookup_elem(&qdiscs, &key);
	if (c)
		return c;
	struct pb_qdisc_counts fresh = {};
	BPF_CORE_READ_STR_INTO(&fresh.dev, dev, name);
	/* Another CPU may create it first: then use its entry. */
	bpf_map_update_elem(&qdiscs, &key, &fresh, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&qdiscs, &key);
	if (!c)
		bump(PB_QDISC_KEYS_FULL, 1);
	return c;
}

static __always_inline void on_enqueue(const struct Qdisc *q, const struct sk_buff *skb)
{
	struct net_device *dev = NULL;
	__u32 netns = traced(q, &dev);
	if (!netns || !skb)
		return;
	__u64 key = (__u64)skb;
	struct pb_qdisc_start start = {.ts_ns = bpf_ktime_get_ns(), .qdisc = (__u64)q};
	bpf_map_update_elem(&skbs, &key, &start, BPF_ANY);
	struct pb_qdisc_counts *c = counts_of(q, dev, netns);
	if (c)
		__sync_fetch_and_add(&c->enqueued, 1);
}

/* Closes skb's stay in q; returns 1 when its enqueue was seen. */
static __always_inline int close_skb(const struct Qdisc *q, const struct sk_buff *skb, __u64 now)
{
	__u64 key = (__u64)skb;
	struct pb_qdisc_start *start = bpf_map_lookup_elem(&skbs, &key);
	if (!start || start->qdisc != (__u64)q || start->ts_ns > now)
		return 0;
	__u32 idx = pb_hist_bucket((now - start->ts_ns) / 1000);
	bpf_map_delete_elem(&skbs, &key);
	__u64 *v = bpf_map_lookup_elem(&hist, &idx);
	if (v)
		*v += 1;
	return 1;
}

static __always_inline void on_dequeue(const struct Qdisc *q, int packets, const struct sk_buff *skb)
{
	struct net_device *dev = NULL;
	__u32 netns = traced(q, &dev);
	if (!netns)
		return;
	if (!skb) {
		bump(PB_QDISC_EMPTY_POLLS, 1);
		return;
	}
	__u64 now = bpf_ktime_get_ns();
	__u64 seen = 0, matched = 0;
	for (int i = 0; i < PB_QDISC_MAX_BULK; i++) {
		if (!skb || i >= packets)
			break;
		matched += close_skb(q, skb, now);
		seen++;
		skb = BPF_CORE_READ(skb, next);
	}
	if (packets > PB_QDISC_MAX_BULK)
		bump(PB_QDISC_BULK_CUT, 1);
	if (seen > 1)
		bump(PB_QDISC_BULK_SKBS, seen - 1);
	if (seen > matched)
		bump(PB_QDISC_UNMATCHED, seen - matched);
	struct pb_qdisc_counts *c = counts_of(q, dev, netns);
	if (c) {
		__sync_fetch_and_add(&c->dequeued, seen);
		__sync_fetch_and_add(&c->matched, matched);
	}
}

/* qdisc:qdisc_enqueue (5.15+) and qdisc:qdisc_dequeue (5.1+; skb NULL on empty polls):
 * tp_btf (5.5+) with raw_tp twins, and the classic tracepoints, whose records carry the same
 * qdisc and skb pointers. */
PB_TWIN(qdisc_enqueue, qdisc_enqueue, struct Qdisc *q, const struct netdev_queue *txq, struct sk_buff *skb)
{
	on_enqueue(q, skb);
	return 0;
}

PB_TWIN(qdisc_dequeue, qdisc_dequeue, struct Qdisc *q, const struct netdev_queue *txq, int packets,
	struct sk_buff *skb)
{
	on_dequeue(q, packets, skb);
	return 0;
}

SEC("tracepoint/qdisc/qdisc_enqueue")
int qdisc_enqueue_tp(struct trace_event_raw_qdisc_enqueue *ctx)
{
	on_enqueue(ctx->qdisc, ctx->skbaddr);
	return 0;
}

SEC("tracepoint/qdisc/qdisc_dequeue")
int qdisc_dequeue_tp(struct trace_event_raw_qdisc_dequeue *ctx)
{
	on_dequeue(ctx->qdisc, ctx->packets, ctx->skbaddr);
	return 0;
}
