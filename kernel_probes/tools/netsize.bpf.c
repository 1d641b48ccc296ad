// SPDX-License-Identifier: GPL-2.0
/* netsize: per-CPU log-linear histograms of skb->len at four device-layer tracepoints.
 * Nothing goes through the ring. Filtered to one netns (the device's) by filter_netns. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "bench/core/histogram_buckets.h"
#include "netsize.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_NETSIZE_METRICS * PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

static __always_inline void record(__u32 metric, const struct net_device *dev, __u64 len)
{
	if (!pb_want_netns(pb_dev_netns(dev)))
		return;
	__u32 key = metric * PB_HIST_NBUCKETS + pb_hist_bucket(len);
	__u64 *n = bpf_map_lookup_elem(&hist, &key);
	if (n)
		(*n)++;
}

static __always_inline void record_skb(__u32 metric, const struct sk_buff *skb)
{
	record(metric, BPF_CORE_READ(skb, dev), BPF_CORE_READ(skb, len));
}

/* Each event as tp_btf (5.5+) with its raw_tp twin, and the classic tracepoint whose
 * record has skbaddr and len (the same skb->len). */
#define PB_NETSIZE_HOOK(name, event, metric, tp_struct)						\
	PB_TWIN(name, event, const struct sk_buff *skb)						\
	{											\
		record_skb(metric, skb);							\
		return 0;									\
	}											\
	SEC("tracepoint/net/" #event)								\
	int name##_tp(struct tp_struct *ctx)							\
	{											\
		record((metric), BPF_CORE_READ((const struct sk_buff *)ctx->skbaddr, dev), ctx->len);	\
		return 0;									\
	}

PB_NETSIZE_HOOK(ns_receive_skb, netif_receive_skb, PB_NETSIZE_RECV, trace_event_raw_net_dev_template)
PB_NETSIZE_HOOK(ns_dev_queue, net_dev_queue, PB_NETSIZE_SEND, trace_event_raw_net_dev_template)
PB_NETSIZE_HOOK(ns_gro_receive, napi_gro_receive_entry, PB_NETSIZE_NIC_RECV, trace_event_raw_net_dev_rx_verbose_template)
PB_NETSIZE_HOOK(ns_gro_frags, napi_gro_frags_entry, PB_NETSIZE_NIC_RECV, trace_event_raw_net_dev_rx_verbose_template)
PB_NETSIZE_HOOK(ns_receive_entry, netif_receive_skb_entry, PB_NETSIZE_NIC_RECV, trace_event_raw_net_dev_rx_verbose_template)
PB_NETSIZE_HOOK(ns_receive_list, netif_receive_skb_list_entry, PB_NETSIZE_NIC_RECV,
		trace_event_raw_net_dev_rx_verbose_template)
PB_NETSIZE_HOOK(ns_rx_entry, netif_rx_entry, PB_NETSIZE_NIC_RECV, trace_event_raw_net_dev_rx_verbose_template)

/* net:net_dev_xmit (skb, rc, dev, skb_len): after the driver's xmit returned, when the skb
 * may be gone; so the device and length from the arguments. */
PB_TWIN(ns_dev_xmit, net_dev_xmit, struct sk_buff *skb, int rc, struct net_device *dev, unsigned int skb_len)
{
	record(PB_NETSIZE_NIC_SEND, dev, skb_len);
	return 0;
}

SEC("tracepoint/net/net_dev_xmit")
int ns_dev_xmit_tp(struct trace_event_raw_net_dev_xmit *ctx)
{
	/* The record has no device pointer: the skb's, read now with a probe read. The skb may
	 * be freed already (a NIC completed it), so the netns filter can miss such an event. */
	record(PB_NETSIZE_NIC_SEND, BPF_CORE_READ((const struct sk_buff *)ctx->skbaddr, dev), ctx->len);
	return 0;
}
