// SPDX-License-Identifier: GPL-2.0
/* Counts UDP datagrams queued to and read from sockets in the DUT/TG namespaces, and
 * kfree_skb drops there by reason and location. */
#include "vmlinux.h"
#include "common.bpf.h"
#include "sock_drops.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load: netns inode per side (0 = side unused). */
const volatile __u32 netns_ino[PB_SD_SIDES] = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SD_SIDES);
	__type(key, __u32);
	__type(value, struct pb_sd_counts);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SD_MAX_DROP_KEYS);
	__type(key, struct pb_sd_drop_key);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline int side_of(__u32 ino)
{
	if (!ino)
		return -1;
	if (ino == netns_ino[PB_SD_DUT])
		return PB_SD_DUT;
	if (ino == netns_ino[PB_SD_TG])
		return PB_SD_TG;
	return -1;
}

static __always_inline struct pb_sd_counts *udp_counts(const struct sock *sk)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	int side = side_of(pb_sk_netns(sk));
	if (side < 0)
		return 0;
	__u32 key = side;
	return bpf_map_lookup_elem(&counts, &key);
}

static __always_inline void on_kfree_skb(const struct sk_buff *skb, __u64 location, __u32 reason)
{
	int side = side_of(pb_skb_netns(skb));
	if (side < 0)
		return;
	struct pb_sd_drop_key key = {
		.location = location,
		.reason = reason,
		.side = side,
	};
	__u64 one = 1, *v = bpf_map_lookup_elem(&drops, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	/* Another CPU may insert the same key first: then add to its entry. */
	if (bpf_map_update_elem(&drops, &key, &one, BPF_NOEXIST) != 0) {
		v = bpf_map_lookup_elem(&drops, &key);
		if (v)
			__sync_fetch_and_add(v, 1);
	}
}

/* Each hook: tp_btf (5.5+) and its raw_tp twin (4.17+) from one PB_TWIN; the loader
 * (HookSet) keeps the first the kernel attaches. The delivery counters (sk_data_ready,
 * sock_recv_length) run on every datagram and load only when asked for (family
 * udp_delivery). */

/* sock:sk_data_ready (6.10+) */
PB_TWIN(sd_data_ready, sk_data_ready, const struct sock *sk)
{
	struct pb_sd_counts *c = udp_counts(sk);
	if (c)
		c->queued++;
	return 0;
}

/* sock:sock_recv_length (6.3+); fires once per datagram, also inside recvmmsg. */
PB_TWIN(sd_recv_length, sock_recv_length, struct sock *sk, int ret, int flags)
{
	if (ret <= 0 || (flags & 2 /* MSG_PEEK */))
		return 0;
	struct pb_sd_counts *c = udp_counts(sk);
	if (c) {
		c->read++;
		c->read_bytes += ret;
	}
	return 0;
}

/* udp:udp_fail_queue_rcv_skb (rc, sk, skb since 6.6) */
PB_TWIN(sd_fail_queue, udp_fail_queue_rcv_skb, int rc, struct sock *sk)
{
	struct pb_sd_counts *c = udp_counts(sk);
	if (c)
		c->fail_queue++;
	return 0;
}

/* skb:kfree_skb with reason (5.17+), rx_sk added in 6.11 and unused here. The classic
 * tracepoint is the last resort: the same fields from the trace event record. */
PB_TWIN(sd_kfree_skb, kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason)
{
	on_kfree_skb(skb, (__u64)location, (__u32)reason);
	return 0;
}
SEC("tracepoint/skb/kfree_skb")
int sd_kfree_skb_tp(struct trace_event_raw_kfree_skb *ctx)
{
	on_kfree_skb((const struct sk_buff *)ctx->skbaddr, (__u64)ctx->location, (__u32)ctx->reason);
	return 0;
}
