// SPDX-License-Identifier: GPL-2.0
/* soaccept on the accept/accept4 syscall tracepoints: the listener (fd walk) and the
 * peer-address pointer at entry, the peer at exit: read from that sockaddr, or, when the
 * caller passed NULL, from the new socket (fd walk of the returned fd). Only inet
 * listeners (AF_INET, AF_INET6), as in the book. Filters: --netns (the listener's),
 * --pid, --comm, --lport (the listener's port), --rport (the peer's; failed accepts have
 * none and are left out by it). */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "soaccept.h"

char LICENSE[] SEC("license") = "GPL";

#define PB_AF_INET 2
#define PB_AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SOACCEPT_THREADS);
	__type(key, __u64); /* pid_tgid: the thread */
	__type(value, struct pb_soaccept_start);
} accepts SEC(".maps");

/* Key 0: accepts not followed because `accepts` was full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} accepts_full SEC(".maps");

static __always_inline void on_enter(const struct trace_event_raw_sys_enter *ctx)
{
	struct sock *lsk = pb_sock_of_fd((int)ctx->args[0]);
	if (!lsk)
		return;
	struct pb_soaccept_start a = {.upeer = ctx->args[1]};
	a.family = BPF_CORE_READ(lsk, __sk_common.skc_family);
	if (a.family != PB_AF_INET && a.family != PB_AF_INET6)
		return;
	a.netns = pb_sk_netns(lsk);
	a.lport = BPF_CORE_READ(lsk, __sk_common.skc_num);
	if (!pb_want_netns(a.netns) || !pb_want_pid(pb_current_tgid()) ||
	    !pb_port_in(a.lport, filter_lports, filter_nlports))
		return;
	char comm[PB_TOOL_COMM_LEN] = {};
	bpf_get_current_comm(comm, sizeof(comm));
	if (!pb_want_comm(comm))
		return;
	__u64 tid = bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&accepts, &tid, &a, BPF_ANY)) {
		__u32 key = 0;
		__u64 *n = bpf_map_lookup_elem(&accepts_full, &key);
		if (n)
			(*n)++;
	}
}

static __always_inline void on_exit(const struct trace_event_raw_sys_exit *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct pb_soaccept_start *p = bpf_map_lookup_elem(&accepts, &tid);
	if (!p)
		return;
	struct pb_soaccept_start a = *p;
	bpf_map_delete_elem(&accepts, &tid);

	int ret = (int)ctx->ret;
	struct pb_sockaddr peer = {};
	int known = 0;
	if (ret >= 0) {
		if (a.upeer && !pb_read_user_sockaddr((const void *)a.upeer, &peer) &&
		    (peer.family == PB_AF_INET || peer.family == PB_AF_INET6)) {
			known = 1;
		} else {
			struct sock *sk = pb_sock_of_fd(ret);
			if (sk) {
				pb_sock_peer(sk, &peer);
				known = 1;
			}
		}
	}
	if (!known) {
		__builtin_memset(&peer, 0, sizeof(peer));
		peer.family = a.family;
		if (filter_nrports)
			return;
	} else if (!pb_port_in(peer.port, filter_rports, filter_nrports)) {
		return;
	}

	struct pb_soaccept_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->ret = ret;
	e->pid = tid >> 32;
	e->netns = a.netns;
	e->family = peer.family;
	e->port = peer.port;
	__builtin_memcpy(e->addr, peer.addr, sizeof(e->addr));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->peer_known = known;
	bpf_ringbuf_submit(e, 0);
}

/* syscalls:sys_{enter,exit}_accept and _accept4 (classic: syscalls have no tp_btf form);
 * accept4's extra flags argument comes after the two accept shares. */
SEC("tracepoint/syscalls/sys_enter_accept")
int soaccept_enter(struct trace_event_raw_sys_enter *ctx)
{
	on_enter(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int soaccept4_enter(struct trace_event_raw_sys_enter *ctx)
{
	on_enter(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int soaccept_exit(struct trace_event_raw_sys_exit *ctx)
{
	on_exit(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int soaccept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	on_exit(ctx);
	return 0;
}
