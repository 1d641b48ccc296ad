// SPDX-License-Identifier: GPL-2.0
/* tcpaccept: the line is the accept's return (as the book's kretprobe on inet_csk_accept),
 * which runs in the accepting task; the handshake's end (SYN_RECV->ESTABLISHED) runs in
 * softirq, where pid and comm are whatever was on the CPU, so it is only counted. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "tcp_state.bpf.h"
#include "tcpaccept.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_TCPACCEPT_MAX_CALLS);
	__type(key, __u32);   /* thread id */
	__type(value, __s32); /* the listening fd */
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_TCPACCEPT_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &which);
	if (v)
		(*v)++;
}

static __always_inline void on_enter(int fd)
{
	if (!pb_want_pid(pb_current_tgid()))
		return;
	char comm[PB_TOOL_COMM_LEN];
	bpf_get_current_comm(comm, sizeof(comm));
	if (!pb_want_comm(comm))
		return;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__s32 lfd = fd;
	if (bpf_map_update_elem(&calls, &tid, &lfd, BPF_ANY))
		count(PB_TCPACCEPT_UNMATCHED);
}

/* An accept entered before the tool started has no entry: its line goes out without the
 * listener's queue (PB_TCPACCEPT_UNKNOWN). */
static __always_inline void on_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	int fd = -1;
	__s32 *lfd = bpf_map_lookup_elem(&calls, &tid);
	if (lfd) {
		fd = *lfd;
		bpf_map_delete_elem(&calls, &tid);
	}
	if (ret < 0)
		return;
	if (!lfd) {
		if (!pb_want_pid(pb_current_tgid()))
			return;
		char comm[PB_TOOL_COMM_LEN];
		bpf_get_current_comm(comm, sizeof(comm));
		if (!pb_want_comm(comm))
			return;
	}
	struct sock *child = pb_sock_of_fd((int)ret);
	if (!child || !pb_is_inet_tcp(child))
		return;
	__u32 netns = pb_sk_netns(child);
	if (!pb_want_netns(netns))
		return;
	struct pb_tcp_tuple t;
	pb_tcp_tuple_of(child, &t);
	if (!pb_want_ports(t.lport, t.rport))
		return;
	struct pb_tcpaccept_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	struct sock *listener = pb_sock_of_fd(fd);
	__builtin_memcpy(e->laddr, t.saddr, sizeof(e->laddr));
	__builtin_memcpy(e->raddr, t.daddr, sizeof(e->raddr));
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pb_current_tgid();
	e->netns = netns;
	e->lport = t.lport;
	e->rport = t.rport;
	e->family = t.family;
	e->pad = 0;
	e->backlog = listener ? BPF_CORE_READ(listener, sk_ack_backlog) : PB_TCPACCEPT_UNKNOWN;
	e->max_backlog = listener ? BPF_CORE_READ(listener, sk_max_ack_backlog) : PB_TCPACCEPT_UNKNOWN;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* accept(2) and accept4(2): classic syscall tracepoints (no tp_btf form). */
SEC("tracepoint/syscalls/sys_enter_accept4")
int tcpaccept_enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	on_enter((int)ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tcpaccept_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	on_exit(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int tcpaccept_enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	on_enter((int)ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tcpaccept_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	on_exit(ctx->ret);
	return 0;
}

static __always_inline void on_state(const struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != TCP_SYN_RECV || newstate != TCP_ESTABLISHED || !pb_is_inet_tcp(sk))
		return;
	if (!pb_want_netns(pb_sk_netns(sk)))
		return;
	struct pb_tcp_tuple t;
	pb_tcp_tuple_of(sk, &t);
	if (pb_want_ports(t.lport, t.rport))
		count(PB_TCPACCEPT_HANDSHAKES);
}

/* sock:inet_sock_set_state (4.16+): tp_btf (5.5+) with its raw_tp twin, and the classic
 * tracepoint (skaddr is the same sk). */
PB_TWIN(tcpaccept_set_state, inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	on_state(sk, oldstate, newstate);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcpaccept_set_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	on_state((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
	return 0;
}
