// SPDX-License-Identifier: GPL-2.0
/* so1stbyte on the syscall tracepoints, the book's design: a connect's start time
 * (so_connect.bpf.h) kept per (process, fd) when connect() returns 0 or EINPROGRESS, the
 * fd remembered at the entry of a read-family call on it, and the first exit > 0 closes
 * it; close() forgets the fd. Filters (--netns, --pid, --comm, --rport) apply at connect. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "so_connect.bpf.h"
#include "so1stbyte.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SO1STBYTE_SOCKS);
	__type(key, struct pb_so1stbyte_key);
	__type(value, __u64); /* sys_enter_connect time */
} waiting SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SO_CONNECT_THREADS);
	__type(key, __u64);   /* pid_tgid: a thread inside a read-family call */
	__type(value, __s32); /* on this waiting fd */
} reading SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SO1STBYTE_NCOUNTS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &what);
	if (n)
		(*n)++;
}

/* syscalls:sys_enter_connect / sys_exit_connect (classic tracepoints) */
SEC("tracepoint/syscalls/sys_enter_connect")
int so1stbyte_connect_enter(struct trace_event_raw_sys_enter *ctx)
{
	pb_so_connect_enter(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int so1stbyte_connect_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pb_so_connect c;
	if (!pb_so_connect_exit(&c))
		return 0;
	if (ctx->ret != 0 && ctx->ret != -PB_SO_EINPROGRESS)
		return 0;
	struct pb_so1stbyte_key key = {.pid = pb_current_tgid(), .fd = c.fd};
	if (bpf_map_update_elem(&waiting, &key, &c.start_ns, BPF_ANY))
		count(PB_SO1STBYTE_FULL);
	return 0;
}

static __always_inline void on_read_enter(const struct trace_event_raw_sys_enter *ctx)
{
	struct pb_so1stbyte_key key = {.pid = pb_current_tgid(), .fd = (__s32)ctx->args[0]};
	if (!bpf_map_lookup_elem(&waiting, &key))
		return;
	__u64 tid = bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&reading, &tid, &key.fd, BPF_ANY))
		count(PB_SO1STBYTE_READING_FULL);
}

static __always_inline void on_read_exit(const struct trace_event_raw_sys_exit *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	__s32 *fd = bpf_map_lookup_elem(&reading, &tid);
	if (!fd)
		return;
	struct pb_so1stbyte_key key = {.pid = tid >> 32, .fd = *fd};
	bpf_map_delete_elem(&reading, &tid);
	if (ctx->ret <= 0)
		return;
	__u64 *start = bpf_map_lookup_elem(&waiting, &key);
	if (!start)
		return;
	__u64 lat = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&waiting, &key);
	struct pb_so1stbyte_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->lat_ns = lat;
	e->pid = key.pid;
	e->fd = key.fd;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* The read family: fd is the first argument of each. */
#define PB_READ_HOOKS(name)							\
	SEC("tracepoint/syscalls/sys_enter_" #name)				\
	int so1stbyte_enter_##name(struct trace_event_raw_sys_enter *ctx)	\
	{									\
		on_read_enter(ctx);						\
		return 0;							\
	}									\
	SEC("tracepoint/syscalls/sys_exit_" #name)				\
	int so1stbyte_exit_##name(struct trace_event_raw_sys_exit *ctx)	\
	{									\
		on_read_exit(ctx);						\
		return 0;							\
	}
PB_READ_HOOKS(read)
PB_READ_HOOKS(readv)
PB_READ_HOOKS(recvfrom)
PB_READ_HOOKS(recvmsg)
PB_READ_HOOKS(recvmmsg)

/* close(fd): the socket will not get its first byte under this fd. */
SEC("tracepoint/syscalls/sys_enter_close")
int so1stbyte_close(struct trace_event_raw_sys_enter *ctx)
{
	struct pb_so1stbyte_key key = {.pid = pb_current_tgid(), .fd = (__s32)ctx->args[0]};
	if (!bpf_map_delete_elem(&waiting, &key))
		count(PB_SO1STBYTE_CLOSED);
	return 0;
}
