// SPDX-License-Identifier: GPL-2.0
/* superping: the book's kprobe:ip_send_skb -> kprobe:icmp_rcv (and their IPv6 twins) on
 * tracepoints. An echo request is stamped at net:net_dev_start_xmit (IP header at
 * skb->head + network_header), its reply found at net:netif_receive_skb (IP header at
 * skb->data: L2 pulled, network header not yet set; verified on 6.18). The interval is
 * driver TX handoff -> stack RX entry: it leaves out the request's way down from the
 * socket to the driver and the reply's way up to the socket. Filtered to one netns by
 * the filter_netns knob. IPv6 extension headers are not walked: an echo behind one is
 * not timed. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "superping.h"

char LICENSE[] SEC("license") = "GPL";

#define PB_AF_INET 2
#define PB_AF_INET6 10
#define PB_ETH_P_IP 0x0800
#define PB_ETH_P_IPV6 0x86DD
#define PB_IPPROTO_ICMP 1
#define PB_IPPROTO_ICMPV6 58
#define PB_E2BIG 7

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SUPERPING_MAX_INFLIGHT);
	__type(key, struct pb_superping_key);
	__type(value, __u64); /* bpf_ktime_get_ns() at net_dev_start_xmit */
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SUPERPING_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void bump(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);
	if (v)
		(*v)++;
}

/* Parses the IP header at `ip` for an ICMP echo of type `want4` (IPv4) / `want6` (IPv6):
 * fills key (with the destination as peer when `peer_is_dst`, else the source). 0 when
 * it is one. */
static __always_inline int parse_echo(const unsigned char *ip, __u16 proto, __u8 want4, __u8 want6, int peer_is_dst,
				      struct pb_superping_key *key)
{
	__u8 hdr[40];
	__u8 icmp[8];
	if (proto == PB_ETH_P_IP) {
		if (bpf_probe_read_kernel(hdr, 20, ip) || (hdr[0] >> 4) != 4 || hdr[9] != PB_IPPROTO_ICMP)
			return -1;
		if ((hdr[6] & 0x1f) || hdr[7]) /* a fragment past the first */
			return -1;
		__u32 ihl = (hdr[0] & 0xf) * 4;
		if (ihl < 20 || bpf_probe_read_kernel(icmp, sizeof(icmp), ip + ihl) || icmp[0] != want4)
			return -1;
		key->family = PB_AF_INET;
		__builtin_memcpy(key->peer, hdr + (peer_is_dst ? 16 : 12), 4);
	} else if (proto == PB_ETH_P_IPV6) {
		if (bpf_probe_read_kernel(hdr, 40, ip) || (hdr[0] >> 4) != 6 || hdr[6] != PB_IPPROTO_ICMPV6)
			return -1;
		if (bpf_probe_read_kernel(icmp, sizeof(icmp), ip + 40) || icmp[0] != want6)
			return -1;
		key->family = PB_AF_INET6;
		__builtin_memcpy(key->peer, hdr + (peer_is_dst ? 24 : 8), 16);
	} else {
		return -1;
	}
	key->id = ((__u16)icmp[4] << 8) | icmp[5];
	key->seq = ((__u16)icmp[6] << 8) | icmp[7];
	return 0;
}

static __always_inline void on_xmit(const struct sk_buff *skb, const struct net_device *dev)
{
	__u32 netns = pb_dev_netns(dev);
	if (!pb_want_netns(netns))
		return;
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u16 nh = BPF_CORE_READ(skb, network_header);
	if (nh == (__u16)~0U)
		return;
	const unsigned char *ip = BPF_CORE_READ(skb, head) + nh;
	struct pb_superping_key key = {.netns = netns};
	if (parse_echo(ip, proto, 8, 128, 1, &key))
		return;
	__u64 now = bpf_ktime_get_ns();
	/* NOEXIST: a request forwarded on (another hop in the same netns) keeps its first stamp. */
	long err = bpf_map_update_elem(&inflight, &key, &now, BPF_NOEXIST);
	if (!err)
		bump(PB_SUPERPING_REQUESTS);
	else if (err == -PB_E2BIG)
		bump(PB_SUPERPING_UNTRACKED);
}

static __always_inline void on_receive(const struct sk_buff *skb)
{
	const struct net_device *dev = BPF_CORE_READ(skb, dev);
	__u32 netns = pb_dev_netns(dev);
	if (!pb_want_netns(netns))
		return;
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	struct pb_superping_key key = {.netns = netns};
	if (parse_echo(BPF_CORE_READ(skb, data), proto, 0, 129, 0, &key))
		return;
	__u64 *sent = bpf_map_lookup_elem(&inflight, &key);
	if (!sent) {
		bump(PB_SUPERPING_UNMATCHED);
		return;
	}
	__u64 now = bpf_ktime_get_ns();
	__u64 rtt = now - *sent;
	bpf_map_delete_elem(&inflight, &key);
	struct pb_superping_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = now;
	e->rtt_ns = rtt;
	__builtin_memcpy(e->peer, key.peer, sizeof(e->peer));
	e->netns = netns;
	e->ifindex = BPF_CORE_READ(dev, ifindex);
	e->family = key.family;
	e->id = key.id;
	e->seq = key.seq;
	bpf_ringbuf_submit(e, 0);
}

/* net:net_dev_start_xmit (4.6+): tp_btf (5.5+), its raw_tp twin, and the classic
 * tracepoint whose record carries the skb as skbaddr (the device read from the skb). */
SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(superping_xmit, const struct sk_buff *skb, const struct net_device *dev)
{
	on_xmit(skb, dev);
	return 0;
}

SEC("raw_tp/net_dev_start_xmit")
int BPF_PROG(superping_xmit_raw, const struct sk_buff *skb, const struct net_device *dev)
{
	on_xmit(skb, dev);
	return 0;
}

SEC("tracepoint/net/net_dev_start_xmit")
int superping_xmit_tp(struct trace_event_raw_net_dev_start_xmit *ctx)
{
	const struct sk_buff *skb = ctx->skbaddr;
	on_xmit(skb, BPF_CORE_READ(skb, dev));
	return 0;
}

/* net:netif_receive_skb: the same three flavours. */
SEC("tp_btf/netif_receive_skb")
int BPF_PROG(superping_receive, struct sk_buff *skb)
{
	on_receive(skb);
	return 0;
}

SEC("raw_tp/netif_receive_skb")
int BPF_PROG(superping_receive_raw, struct sk_buff *skb)
{
	on_receive(skb);
	return 0;
}

SEC("tracepoint/net/netif_receive_skb")
int superping_receive_tp(struct trace_event_raw_net_dev_template *ctx)
{
	on_receive((const struct sk_buff *)ctx->skbaddr);
	return 0;
}
