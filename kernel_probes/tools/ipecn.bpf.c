// SPDX-License-Identifier: GPL-2.0
/* ipecn on net:netif_receive_skb: the book's kprobe:ip_rcv reads iph->tos; here the IP
 * header is read at skb->data, where it is when the tracepoint fires (eth_type_trans()
 * has pulled L2, the network header is not set yet; verified on 6.18 with lo and veth).
 * Every received IPv4/IPv6 packet is counted by ECN codepoint; CE ones are also events.
 * Filtered to one netns (the receiving device's) by the filter_netns knob. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "ipecn.h"

char LICENSE[] SEC("license") = "GPL";

#define PB_AF_INET 2
#define PB_AF_INET6 10
#define PB_ETH_P_IP 0x0800
#define PB_ETH_P_IPV6 0x86DD
#define PB_ECN_CE 3

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_IPECN_NCOUNTS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* Packets an skb stands for, as ip_rcv's IpExt In*Pkts count them: max(1, gso_segs). */
static __always_inline __u32 skb_packets(const struct sk_buff *skb)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	sk_buff_data_t end = BPF_CORE_READ(skb, end); /* an offset from head on 64-bit */
	const struct skb_shared_info *si = (const void *)(head + end);
	__u16 segs = BPF_CORE_READ(si, gso_segs);
	return segs ? segs : 1;
}

static __always_inline void on_receive(const struct sk_buff *skb)
{
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	if (proto != PB_ETH_P_IP && proto != PB_ETH_P_IPV6)
		return;
	const struct net_device *dev = BPF_CORE_READ(skb, dev);
	__u32 netns = pb_dev_netns(dev);
	if (!pb_want_netns(netns))
		return;
	const unsigned char *data = BPF_CORE_READ(skb, data);
	__u8 ecn, family_idx;
	__u8 hdr[40];
	if (proto == PB_ETH_P_IP) {
		if (bpf_probe_read_kernel(hdr, 20, data) || (hdr[0] >> 4) != 4)
			return;
		ecn = hdr[1] & 3; /* tos */
		family_idx = 0;
	} else {
		if (bpf_probe_read_kernel(hdr, 40, data) || (hdr[0] >> 4) != 6)
			return;
		ecn = (hdr[1] >> 4) & 3; /* traffic class bits 1..0 sit in bits 21..20 */
		family_idx = 1;
	}
	__u32 packets = skb_packets(skb);
	__u32 key = family_idx * 4 + ecn;
	__u64 *v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		*v += packets;
	if (ecn != PB_ECN_CE)
		return;

	struct pb_ipecn_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->netns = netns;
	e->packets = packets;
	if (family_idx == 0) {
		e->family = PB_AF_INET;
		__builtin_memcpy(e->saddr, hdr + 12, 4);
		__builtin_memcpy(e->daddr, hdr + 16, 4);
	} else {
		e->family = PB_AF_INET6;
		__builtin_memcpy(e->saddr, hdr + 8, 16);
		__builtin_memcpy(e->daddr, hdr + 24, 16);
	}
	bpf_ringbuf_submit(e, 0);
}

/* net:netif_receive_skb (every packet __netif_receive_skb_core processes): tp_btf (5.5+),
 * its raw_tp twin, and the classic tracepoint whose record carries the skb as skbaddr. */
SEC("tp_btf/netif_receive_skb")
int BPF_PROG(ipecn_receive, struct sk_buff *skb)
{
	on_receive(skb);
	return 0;
}

SEC("raw_tp/netif_receive_skb")
int BPF_PROG(ipecn_receive_raw, struct sk_buff *skb)
{
	on_receive(skb);
	return 0;
}

SEC("tracepoint/net/netif_receive_skb")
int ipecn_receive_tp(struct trace_event_raw_net_dev_template *ctx)
{
	on_receive((const struct sk_buff *)ctx->skbaddr);
	return 0;
}
