// SPDX-License-Identifier: GPL-2.0
/* tcpretrans on tcp:tcp_retransmit_skb (the bcc tracepoint path) and
 * tcp:tcp_retransmit_synack. The tuple is read from the socket (or the request socket)
 * through CO-RE in every flavour, so the three agree. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "tcp_state.bpf.h"
#include "tcpretrans.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline void submit(const struct pb_tcp_tuple *t, __u32 netns, __u16 state, int err, __u32 synack)
{
	struct pb_tcpretrans_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memcpy(e->laddr, t->saddr, sizeof(e->laddr));
	__builtin_memcpy(e->raddr, t->daddr, sizeof(e->raddr));
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pb_current_tgid();
	e->netns = netns;
	e->lport = t->lport;
	e->rport = t->rport;
	e->family = t->family;
	e->state = state;
	e->err = err;
	e->synack = synack;
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void on_retransmit(const struct sock *sk, int err)
{
	__u32 netns = pb_sk_netns(sk);
	if (!pb_want_netns(netns))
		return;
	struct pb_tcp_tuple t;
	pb_tcp_tuple_of(sk, &t);
	if (!pb_want_ports(t.lport, t.rport))
		return;
	submit(&t, netns, BPF_CORE_READ(sk, __sk_common.skc_state), err, 0);
}

/* The request socket's tuple: struct request_sock starts with a struct sock_common. */
static __always_inline void on_synack(const struct sock *listener, const struct request_sock *req)
{
	__u32 netns = pb_sk_netns(listener);
	if (!pb_want_netns(netns))
		return;
	struct pb_tcp_tuple t = {};
	t.family = BPF_CORE_READ(req, __req_common.skc_family);
	t.lport = BPF_CORE_READ(req, __req_common.skc_num);
	t.rport = bpf_ntohs(BPF_CORE_READ(req, __req_common.skc_dport));
	if (t.family == PB_AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)t.saddr, req, __req_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)t.daddr, req, __req_common.skc_daddr);
	} else if (t.family == PB_AF_INET6) {
		BPF_CORE_READ_INTO(&t.saddr, req, __req_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&t.daddr, req, __req_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	if (!pb_want_ports(t.lport, t.rport))
		return;
	submit(&t, netns, TCP_SYN_RECV, 0, 1);
}

/* tcp:tcp_retransmit_skb (4.16+; err since 6.10): tp_btf with its raw_tp twin, and the
 * classic tracepoint (skaddr is the same sk). */
PB_TWIN(tcpretrans_skb, tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb, int err)
{
	on_retransmit(sk, err);
	return 0;
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tcpretrans_skb_tp(struct trace_event_raw_tcp_retransmit_skb *ctx)
{
	on_retransmit((const struct sock *)ctx->skaddr, ctx->err);
	return 0;
}

/* tcp:tcp_retransmit_synack (4.16+): the listener and the request socket. */
PB_TWIN(tcpretrans_synack, tcp_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	on_synack(sk, req);
	return 0;
}

SEC("tracepoint/tcp/tcp_retransmit_synack")
int tcpretrans_synack_tp(struct trace_event_raw_tcp_retransmit_synack *ctx)
{
	on_synack((const struct sock *)ctx->skaddr, (const struct request_sock *)ctx->req);
	return 0;
}
