// SPDX-License-Identifier: GPL-2.0
/* udpconnect without the book's kprobes on ip4/ip6_datagram_connect: sys_enter_connect,
 * the fd walked to its socket (UDP only, as the updated udpconnect.bt), the destination
 * from the call's sockaddr. AF_UNSPEC (a UDP "disconnect") is not shown: it never reaches
 * ip4/ip6_datagram_connect either. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "so_syscalls.bpf.h"
#include "udpconnect.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_UDPCONNECT_NMISSES);
	__type(key, __u32);
	__type(value, __u64);
} misses SEC(".maps");

/* connect(fd, uservaddr, addrlen) */
SEC("tracepoint/syscalls/sys_enter_connect")
int udpconnect_connect(struct trace_event_raw_sys_enter *ctx)
{
	const struct sock *sk = pb_sock_of_fd((int)ctx->args[0]);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	__u32 netns = pb_sk_netns(sk);
	char comm[PB_TOOL_COMM_LEN];
	if (!pb_want_netns(netns) || !so_want_task(comm))
		return 0;
	struct pb_sockaddr sa;
	if (pb_read_user_sockaddr((const void *)ctx->args[1], &sa) != 0) {
		__u32 slot = PB_UDPCONNECT_UNREADABLE;
		__u64 *n = bpf_map_lookup_elem(&misses, &slot);
		if (n)
			(*n)++;
		return 0;
	}
	if (sa.family != 2 /* AF_INET */ && sa.family != 10 /* AF_INET6 */)
		return 0;
	if (!pb_port_in(sa.port, filter_rports, filter_nrports))
		return 0;
	struct pb_udpconnect_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return 0;
	e->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(e->raddr, sa.addr, sizeof(e->raddr));
	e->pid = pb_current_tgid();
	e->netns = netns;
	e->family = sa.family;
	e->rport = sa.port;
	e->pad = 0;
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
