// SPDX-License-Identifier: GPL-2.0
/* soconnect on the connect(2) syscall tracepoints (the book's design, unchanged): the
 * destination and a timestamp at entry (so_connect.bpf.h), one event at exit. Filters:
 * --netns, --pid, --comm at entry, --rport on the destination port. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "so_connect.bpf.h"
#include "soconnect.h"

char LICENSE[] SEC("license") = "GPL";

/* syscalls:sys_enter_connect (classic tracepoint: syscalls have no tp_btf form) */
SEC("tracepoint/syscalls/sys_enter_connect")
int soconnect_enter(struct trace_event_raw_sys_enter *ctx)
{
	pb_so_connect_enter(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int soconnect_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pb_so_connect c;
	if (!pb_so_connect_exit(&c))
		return 0;
	struct pb_soconnect_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->lat_ns = bpf_ktime_get_ns() - c.start_ns;
	e->ret = (__s32)ctx->ret;
	e->pid = pb_current_tgid();
	e->netns = c.netns;
	e->family = c.dst.family;
	e->port = c.dst.port;
	__builtin_memcpy(e->addr, c.dst.addr, sizeof(e->addr));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
