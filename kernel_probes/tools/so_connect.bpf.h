/* What soconnect, soconnlat and so1stbyte share on the BPF side: a connect(2) followed from
 * syscalls:sys_enter_connect to sys_exit_connect per thread, as the book's scripts keep
 * @start[tid] and @sockaddr[tid]. Only inet destinations (AF_INET, AF_INET6) are followed,
 * as in the book; the filters of tool.bpf.h are applied at entry (netns: the socket's,
 * from the fd walk, else the task's; --rport: the destination port). Include after
 * tool.bpf.h. */
#ifndef PB_SO_CONNECT_BPF_H
#define PB_SO_CONNECT_BPF_H

#include "soconnect.h" /* PB_SO_CONNECT_THREADS */

#define PB_SO_AF_INET 2
#define PB_SO_AF_INET6 10
#define PB_SO_EINPROGRESS 115

/* A connect between entry and exit. */
struct pb_so_connect {
	__u64 start_ns;
	struct pb_sockaddr dst; /* uservaddr at entry */
	__s32 fd;
	__u32 netns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SO_CONNECT_THREADS);
	__type(key, __u64); /* pid_tgid: the thread */
	__type(value, struct pb_so_connect);
} so_connects SEC(".maps");

/* Key 0: connects not followed because so_connects was full (user space: a note). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} so_connects_full SEC(".maps");

static __always_inline void pb_so_count(void *counter_map)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(counter_map, &key);
	if (n)
		(*n)++;
}

/* The netns inode of the current task (its nsproxy's net). */
static __always_inline __u32 pb_task_netns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

/* sys_enter_connect(fd, uservaddr, addrlen): remembers the connect when it passes the filters. */
static __always_inline void pb_so_connect_enter(const struct trace_event_raw_sys_enter *ctx)
{
	struct pb_so_connect c = {};
	if (pb_read_user_sockaddr((const void *)ctx->args[1], &c.dst))
		return;
	if (c.dst.family != PB_SO_AF_INET && c.dst.family != PB_SO_AF_INET6)
		return;
	int fd = (int)ctx->args[0];
	struct sock *sk = pb_sock_of_fd(fd);
	c.netns = sk ? pb_sk_netns(sk) : pb_task_netns();
	if (!pb_want_netns(c.netns) || !pb_want_pid(pb_current_tgid()))
		return;
	char comm[PB_TOOL_COMM_LEN] = {};
	bpf_get_current_comm(comm, sizeof(comm));
	if (!pb_want_comm(comm) || !pb_port_in(c.dst.port, filter_rports, filter_nrports))
		return;
	c.fd = fd;
	c.start_ns = bpf_ktime_get_ns();
	__u64 tid = bpf_get_current_pid_tgid();
	if (bpf_map_update_elem(&so_connects, &tid, &c, BPF_ANY))
		pb_so_count(&so_connects_full);
}

/* sys_exit_connect: moves this thread's connect into *out; 0 when it was not followed. */
static __always_inline int pb_so_connect_exit(struct pb_so_connect *out)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct pb_so_connect *c = bpf_map_lookup_elem(&so_connects, &tid);
	if (!c)
		return 0;
	*out = *c;
	bpf_map_delete_elem(&so_connects, &tid);
	return 1;
}

#endif
