// SPDX-License-Identifier: GPL-2.0
/* nettxlat (and, with PB_NETTXLAT_PER_DEV, nettxlat-dev): net:net_dev_start_xmit stores a
 * timestamp by skb, skb:consume_skb or skb:kfree_skb of that skb records the latency in
 * microseconds, net:net_dev_queue forgets a started skb (the book's guard against address
 * reuse: an skb queued again is a new transmit). filter_netns is the netns of the device at
 * the start; the completion may happen anywhere (on veth and lo it is the receiver freeing
 * the skb). */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "bench/core/histogram_buckets.h"
#include "nettxlat.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_NETTXLAT_MAX_SKBS);
	__type(key, __u64); /* struct sk_buff * */
	__type(value, struct pb_nettxlat_start);
} starts SEC(".maps");

/* Latency in microseconds over every device, the project's log-linear buckets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_NETTXLAT_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

#ifdef PB_NETTXLAT_PER_DEV
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_NETTXLAT_MAX_DEVS);
	__type(key, struct pb_nettxlat_dev_key);
	__type(value, struct pb_nettxlat_dev);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_NETTXLAT_MAX_DEV_BUCKETS);
	__type(key, struct pb_nettxlat_bucket_key);
	__type(value, __u64);
} dev_hist SEC(".maps");
#endif

static __always_inline void bump(__u32 counter)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &counter);
	if (v)
		*v += 1;
}

#ifdef PB_NETTXLAT_PER_DEV
/* The device's entry, created (with its name) at its first start; NULL when the map is full. */
static __always_inline struct pb_nettxlat_dev *dev_of(__u32 netns, __u32 ifindex, const struct net_device *dev)
{
	struct pb_nettxlat_dev_key key = {.netns = netns, .ifindex = ifindex};
	struct pb_nettxlat_dev *d = bpf_map_lookup_elem(&devs, &key);
	if (d || !dev)
		return d;
	struct pb_nettxlat_dev fresh = {};
	BPF_CORE_READ_STR_INTO(&fresh.name, dev, name);
	bpf_map_update_elem(&devs, &key, &fresh, BPF_NOEXIST); /* another CPU may win: use its entry */
	return bpf_map_lookup_elem(&devs, &key);
}

static __always_inline void dev_record(const struct pb_nettxlat_start *s, __u32 bucket, int consumed)
{
	struct pb_nettxlat_dev *d = dev_of(s->netns, s->ifindex, NULL);
	if (!d) {
		bump(PB_NETTXLAT_DEVS_FULL);
		return;
	}
	__sync_fetch_and_add(consumed ? &d->consumed : &d->freed, 1);
	struct pb_nettxlat_bucket_key key = {.netns = s->netns, .ifindex = s->ifindex, .bucket = bucket};
	__u64 one = 1, *v = bpf_map_lookup_elem(&dev_hist, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	if (bpf_map_update_elem(&dev_hist, &key, &one, BPF_NOEXIST) == 0)
		return;
	v = bpf_map_lookup_elem(&dev_hist, &key); /* another CPU created it */
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bump(PB_NETTXLAT_BUCKETS_FULL);
}
#endif

static __always_inline void on_start(const struct sk_buff *skb, const struct net_device *dev)
{
	if (!skb || !dev)
		return;
	__u32 netns = pb_dev_netns(dev);
	if (!pb_want_netns(netns))
		return;
	__u64 key = (__u64)skb;
	struct pb_nettxlat_start s = {.ts_ns = bpf_ktime_get_ns(), .netns = netns, .ifindex = BPF_CORE_READ(dev, ifindex)};
	if (bpf_map_update_elem(&starts, &key, &s, BPF_NOEXIST) != 0) {
		bump(PB_NETTXLAT_RESTARTED);
		bpf_map_update_elem(&starts, &key, &s, BPF_ANY);
	}
	bump(PB_NETTXLAT_STARTED);
#ifdef PB_NETTXLAT_PER_DEV
	struct pb_nettxlat_dev *d = dev_of(netns, s.ifindex, dev);
	if (d)
		__sync_fetch_and_add(&d->started, 1);
#endif
}

static __always_inline void on_end(const struct sk_buff *skb, int consumed)
{
	__u64 key = (__u64)skb;
	struct pb_nettxlat_start *p = bpf_map_lookup_elem(&starts, &key);
	if (!p)
		return;
	struct pb_nettxlat_start s = *p;
	bpf_map_delete_elem(&starts, &key);
	__u64 now = bpf_ktime_get_ns();
	if (s.ts_ns > now)
		return;
	__u32 bucket = pb_hist_bucket((now - s.ts_ns) / 1000);
	__u64 *v = bpf_map_lookup_elem(&hist, &bucket);
	if (v)
		*v += 1;
	bump(consumed ? PB_NETTXLAT_CONSUMED : PB_NETTXLAT_FREED);
#ifdef PB_NETTXLAT_PER_DEV
	dev_record(&s, bucket, consumed);
#endif
}

static __always_inline void on_queue(const struct sk_buff *skb)
{
	__u64 key = (__u64)skb;
	if (bpf_map_delete_elem(&starts, &key) == 0)
		bump(PB_NETTXLAT_REQUEUED);
}

/* net:net_dev_start_xmit (4.6+), net:net_dev_queue, skb:consume_skb, skb:kfree_skb:
 * tp_btf (5.5+) with raw_tp twins, and the classic tracepoints (skbaddr; the device of
 * net_dev_start_xmit then read from skb->dev, which is that device at this point). */
PB_TWIN(nettxlat_start_xmit, net_dev_start_xmit, const struct sk_buff *skb, const struct net_device *dev)
{
	on_start(skb, dev);
	return 0;
}

PB_TWIN(nettxlat_queue, net_dev_queue, struct sk_buff *skb)
{
	on_queue(skb);
	return 0;
}

PB_TWIN(nettxlat_consume_skb, consume_skb, struct sk_buff *skb)
{
	on_end(skb, 1);
	return 0;
}

PB_TWIN(nettxlat_kfree_skb, kfree_skb, struct sk_buff *skb)
{
	on_end(skb, 0);
	return 0;
}

SEC("tracepoint/net/net_dev_start_xmit")
int nettxlat_start_xmit_tp(struct trace_event_raw_net_dev_start_xmit *ctx)
{
	const struct sk_buff *skb = ctx->skbaddr;
	on_start(skb, BPF_CORE_READ(skb, dev));
	return 0;
}

SEC("tracepoint/net/net_dev_queue")
int nettxlat_queue_tp(struct trace_event_raw_net_dev_template *ctx)
{
	on_queue(ctx->skbaddr);
	return 0;
}

SEC("tracepoint/skb/consume_skb")
int nettxlat_consume_skb_tp(struct trace_event_raw_consume_skb *ctx)
{
	on_end(ctx->skbaddr, 1);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int nettxlat_kfree_skb_tp(struct trace_event_raw_kfree_skb *ctx)
{
	on_end(ctx->skbaddr, 0);
	return 0;
}
