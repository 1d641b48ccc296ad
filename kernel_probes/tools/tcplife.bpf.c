// SPDX-License-Identifier: GPL-2.0
/* tcplife on sock:inet_sock_set_state, the design of libbpf-tools' tcplife: a birth time
 * at every state below FIN_WAIT1, the owner cached on the way, one event at TCP_CLOSE
 * with tcp_sock's byte counters. Every filter of tool.bpf.h applies here. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "tcplife.h"

char LICENSE[] SEC("license") = "GPL";

#define PB_AF_INET 2
#define PB_AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_TCPLIFE_MAX_SOCKS);
	__type(key, __u64); /* struct sock * */
	__type(value, __u64); /* bpf_ktime_get_ns() */
} births SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_TCPLIFE_MAX_SOCKS);
	__type(key, __u64);
	__type(value, struct pb_tcplife_ident);
} idents SEC(".maps");

static __always_inline void remember_owner(__u64 key, __u64 flags)
{
	struct pb_tcplife_ident id = {.pid = bpf_get_current_pid_tgid() >> 32};
	bpf_get_current_comm(id.comm, sizeof(id.comm));
	bpf_map_update_elem(&idents, &key, &id, flags);
}

static __always_inline void on_state(const struct sock *sk, int newstate)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	__u32 netns = pb_sk_netns(sk);
	if (!pb_want_netns(netns))
		return;
	__u64 key = (__u64)sk;
	if (newstate < TCP_FIN_WAIT1) {
		__u64 now = bpf_ktime_get_ns();
		bpf_map_update_elem(&births, &key, &now, BPF_ANY);
	}
	if (newstate == TCP_SYN_SENT)
		remember_owner(key, BPF_ANY);
	else if (newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK)
		remember_owner(key, BPF_NOEXIST);
	if (newstate != TCP_CLOSE)
		return;

	__u64 *birth = bpf_map_lookup_elem(&births, &key);
	if (!birth) {
		/* Born before the tool started, or a listener: nothing to say. */
		bpf_map_delete_elem(&idents, &key);
		return;
	}
	__u64 span = bpf_ktime_get_ns() - *birth;
	bpf_map_delete_elem(&births, &key);

	struct pb_tcplife_ident owner = {};
	struct pb_tcplife_ident *cached = bpf_map_lookup_elem(&idents, &key);
	if (cached) {
		owner = *cached;
		bpf_map_delete_elem(&idents, &key);
	} else {
		owner.pid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(owner.comm, sizeof(owner.comm));
	}
	/* Not skc_num: inet_put_port() zeroes it before the CLOSE event fires. */
	__u16 lport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (!pb_want_pid(owner.pid) || !pb_want_comm(owner.comm) || !pb_want_ports(lport, rport))
		return;

	struct pb_tcplife_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	e->span_ns = span;
	e->rx_bytes = BPF_CORE_READ(tp, bytes_received);
	e->tx_bytes = BPF_CORE_READ(tp, bytes_acked);
	e->pid = owner.pid;
	e->netns = netns;
	e->lport = lport;
	e->rport = rport;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (e->family == PB_AF_INET) {
		/* The macros read sizeof(*dst): 4 bytes here, 16 below. */
		BPF_CORE_READ_INTO((__u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)e->daddr, sk, __sk_common.skc_daddr);
	} else if (e->family == PB_AF_INET6) {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	__builtin_memcpy(e->comm, owner.comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* sock:inet_sock_set_state (4.16+): tp_btf (5.5+) with its raw_tp twin, and the classic
 * tracepoint whose record carries the same sk as skaddr. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(tcplife_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	on_state(sk, newstate);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(tcplife_set_state_raw, const struct sock *sk, const int oldstate, const int newstate)
{
	on_state(sk, newstate);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcplife_set_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	on_state((const struct sock *)ctx->skaddr, ctx->newstate);
	return 0;
}
