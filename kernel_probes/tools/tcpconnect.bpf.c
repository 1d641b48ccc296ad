// SPDX-License-Identifier: GPL-2.0
/* tcpconnect on sock:inet_sock_set_state, the design of the book's tcpconnect-tp.bt with
 * its pitfall fixed: CLOSE->SYN_SENT runs in connect() (tcp_v4_connect/tcp_v6_connect)
 * before the ephemeral port is chosen, so the connecting task is remembered there and the
 * event goes out at the socket's next transition, with the source port set. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "tcp_state.bpf.h"
#include "tcpconnect.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_TCPCONNECT_MAX_PENDING);
	__type(key, __u64); /* struct sock * */
	__type(value, struct pb_tcpconnect_pending);
} pending SEC(".maps");

static __always_inline void on_state(const struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != TCP_CLOSE && oldstate != TCP_SYN_SENT)
		return;
	if (!pb_is_inet_tcp(sk))
		return;
	__u64 key = (__u64)sk;
	if (oldstate == TCP_CLOSE) {
		if (newstate != TCP_SYN_SENT || !pb_want_netns(pb_sk_netns(sk)))
			return;
		struct pb_tcpconnect_pending p = {.ts_ns = bpf_ktime_get_ns(), .pid = pb_current_tgid()};
		bpf_get_current_comm(p.comm, sizeof(p.comm));
		if (!pb_want_pid(p.pid) || !pb_want_comm(p.comm))
			return;
		bpf_map_update_elem(&pending, &key, &p, BPF_ANY);
		return;
	}
	struct pb_tcpconnect_pending *p = bpf_map_lookup_elem(&pending, &key);
	if (!p)
		return; /* connected before the tool started, or filtered out */
	struct pb_tcpconnect_pending owner = *p;
	bpf_map_delete_elem(&pending, &key);
	struct pb_tcp_tuple t;
	pb_tcp_tuple_of(sk, &t);
	if (!pb_want_ports(t.lport, t.rport))
		return;
	struct pb_tcpconnect_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memcpy(e->saddr, t.saddr, sizeof(e->saddr));
	__builtin_memcpy(e->daddr, t.daddr, sizeof(e->daddr));
	e->ts_ns = owner.ts_ns;
	e->pid = owner.pid;
	e->netns = pb_sk_netns(sk);
	e->sport = t.lport;
	e->dport = t.rport;
	e->family = t.family;
	e->pad = 0;
	__builtin_memcpy(e->comm, owner.comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* sock:inet_sock_set_state (4.16+): tp_btf (5.5+) with its raw_tp twin, and the classic
 * tracepoint whose record carries the same sk as skaddr. */
PB_TWIN(tcpconnect_set_state, inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	on_state(sk, oldstate, newstate);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcpconnect_set_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	on_state((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
	return 0;
}
