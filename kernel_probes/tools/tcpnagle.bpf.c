// SPDX-License-Identifier: GPL-2.0
/* tcpnagle on tcp:tcp_sendmsg_locked (6.2+), which tcp_sendmsg_locked() fires once per
 * sendmsg before its copy loop: tcp_sk(sk)->nonagle as the sender set it (TCP_NODELAY,
 * TCP_CORK, MSG_MORE does not change it). The classic tracepoint's record has no sk, so
 * only tp_btf and its raw_tp twin.
 * The wait: each socket keeps its oldest write not yet sent (the write_seq the sendmsg
 * began at); the first skb of the socket net_dev_queue sees whose TCP sequence range goes
 * past it ends the wait. That is every hold on the way (Nagle, cork, cwnd, the peer's
 * window, pacing, TSQ), not Nagle's alone. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "tcp_state.bpf.h"
#include "tcpnagle.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_TCPNAGLE_FLAGS);
	__type(key, __u32);   /* nonagle */
	__type(value, __u64); /* sendmsg calls */
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_TCPNAGLE_MAX_PENDING);
	__type(key, __u64); /* struct sock * */
	__type(value, struct pb_tcpnagle_pending);
} pending SEC(".maps");

static __always_inline void on_sendmsg(const struct sock *sk)
{
	if (!pb_want_netns(pb_sk_netns(sk)) || !pb_want_pid(pb_current_tgid()))
		return;
	char comm[PB_TOOL_COMM_LEN];
	bpf_get_current_comm(comm, sizeof(comm));
	if (!pb_want_comm(comm))
		return;
	if (!pb_want_ports(BPF_CORE_READ(sk, __sk_common.skc_num), bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport))))
		return;
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 flags = BPF_CORE_READ_BITFIELD_PROBED(tp, nonagle) & (PB_TCPNAGLE_FLAGS - 1);
	__u64 *n = bpf_map_lookup_elem(&counts, &flags);
	if (n)
		(*n)++;
	__u64 key = (__u64)sk;
	struct pb_tcpnagle_pending p = {.ts_ns = bpf_ktime_get_ns(), .seq = BPF_CORE_READ(tp, write_seq)};
	bpf_map_update_elem(&pending, &key, &p, BPF_NOEXIST); /* an older write still waits: keep it */
}

static __always_inline void on_queue(const struct sk_buff *skb)
{
	struct sock *sk = BPF_CORE_READ(skb, sk);
	if (!sk)
		return;
	__u64 key = (__u64)sk;
	struct pb_tcpnagle_pending *p = bpf_map_lookup_elem(&pending, &key);
	if (!p)
		return;
	/* The TCP header of a socket's skb: head + transport_header; its payload is what
	 * follows it up to skb->len, counted from skb->data (the MAC header here). */
	unsigned char *head = BPF_CORE_READ(skb, head), *data = BPF_CORE_READ(skb, data);
	__u16 th_off = BPF_CORE_READ(skb, transport_header);
	struct tcphdr th = {};
	if (bpf_probe_read_kernel(&th, sizeof(th), head + th_off))
		return;
	long before = (long)(head + th_off - data) + th.doff * 4;
	long payload = (long)BPF_CORE_READ(skb, len) - before;
	if (payload <= 0)
		return;
	__u32 end = bpf_ntohl(th.seq) + (__u32)payload;
	if ((__s32)(end - p->seq) <= 0)
		return; /* older data (a retransmit), the write is not out yet */
	__u64 delay = bpf_ktime_get_ns() - p->ts_ns;
	bpf_map_delete_elem(&pending, &key);
	struct pb_tcpnagle_sample *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	e->delay_ns = delay;
	bpf_ringbuf_submit(e, 0);
}

PB_TWIN(tcpnagle_sendmsg, tcp_sendmsg_locked, const struct sock *sk, const struct msghdr *msg, const struct sk_buff *skb,
	int size_goal)
{
	on_sendmsg(sk);
	return 0;
}

/* net:net_dev_queue (dev_queue_xmit: before the qdisc and the driver). */
PB_TWIN(tcpnagle_queue, net_dev_queue, struct sk_buff *skb)
{
	on_queue(skb);
	return 0;
}

SEC("tracepoint/net/net_dev_queue")
int tcpnagle_queue_tp(struct trace_event_raw_net_dev_template *ctx)
{
	on_queue((const struct sk_buff *)ctx->skbaddr);
	return 0;
}
