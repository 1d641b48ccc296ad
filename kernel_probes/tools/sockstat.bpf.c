// SPDX-License-Identifier: GPL-2.0
/* sockstat: per-CPU counts of the socket syscalls (at entry, whatever they return) and of
 * sock_sendmsg/sock_recvmsg (sock:sock_send_length / sock_recv_length, which replace the
 * book's kprobes; they fire after the protocol's sendmsg/recvmsg returns, errors too, but
 * not when an LSM refuses the call). Exact: nothing goes through the ring. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "so_syscalls.bpf.h"
#include "sockstat.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SOCKSTAT_NPROBES);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 slot, __u32 netns)
{
	char comm[PB_TOOL_COMM_LEN];
	if (!pb_want_netns(netns) || !so_want_task(comm))
		return;
	__u64 *v = bpf_map_lookup_elem(&counts, &slot);
	if (v)
		(*v)++;
}

/* A call on file descriptor `fd`: in the netns of its socket, else of the task. */
static __always_inline void count_fd(__u32 slot, long fd)
{
	/* Skip the fd walk when no netns filter needs it. */
	count(slot, filter_netns ? so_call_netns(pb_sock_of_fd((int)fd)) : 0);
}

/* socket() and socketpair() have no socket yet: the calling task's netns. */
SEC("tracepoint/syscalls/sys_enter_socket")
int sockstat_socket(struct trace_event_raw_sys_enter *ctx)
{
	count(PB_SOCKSTAT_SOCKET, filter_netns ? so_task_netns() : 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_socketpair")
int sockstat_socketpair(struct trace_event_raw_sys_enter *ctx)
{
	count(PB_SOCKSTAT_SOCKETPAIR, filter_netns ? so_task_netns() : 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_bind")
int sockstat_bind(struct trace_event_raw_sys_enter *ctx)
{
	count_fd(PB_SOCKSTAT_BIND, ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int sockstat_connect(struct trace_event_raw_sys_enter *ctx)
{
	count_fd(PB_SOCKSTAT_CONNECT, ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept")
int sockstat_accept(struct trace_event_raw_sys_enter *ctx)
{
	count_fd(PB_SOCKSTAT_ACCEPT, ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_accept4")
int sockstat_accept4(struct trace_event_raw_sys_enter *ctx)
{
	count_fd(PB_SOCKSTAT_ACCEPT4, ctx->args[0]);
	return 0;
}

/* sock:sock_send_length / sock_recv_length (6.3+): tp_btf with its raw_tp twin, and the
 * classic tracepoint whose record carries the same sk. */
PB_TWIN(sockstat_send, sock_send_length, struct sock *sk, int ret, int flags)
{
	count(PB_SOCKSTAT_SEND, filter_netns ? pb_sk_netns(sk) : 0);
	return 0;
}

PB_TWIN(sockstat_recv, sock_recv_length, struct sock *sk, int ret, int flags)
{
	count(PB_SOCKSTAT_RECV, filter_netns ? pb_sk_netns(sk) : 0);
	return 0;
}

SEC("tracepoint/sock/sock_send_length")
int sockstat_send_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	count(PB_SOCKSTAT_SEND, filter_netns ? pb_sk_netns((const struct sock *)ctx->sk) : 0);
	return 0;
}

SEC("tracepoint/sock/sock_recv_length")
int sockstat_recv_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	count(PB_SOCKSTAT_RECV, filter_netns ? pb_sk_netns((const struct sock *)ctx->sk) : 0);
	return 0;
}
