/* What the BPF side of every `pathbench probe` tool shares: the event ring (user space:
 * kernel_probes/ring_buffer.h) with its per-CPU count of events lost to a full ring, and
 * the filter knobs the loader sets between open and load (tools/tool.h set_filters()).
 * Include once per tool object, after vmlinux.h. */
#ifndef PB_TOOL_BPF_H
#define PB_TOOL_BPF_H

#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "tool_limits.h"

/* 0 / empty: no filter. */
const volatile __u32 filter_netns = 0;              /* netns inode */
const volatile __u32 filter_pid = 0;                /* process (tgid) */
const volatile char filter_comm[PB_TOOL_COMM_LEN] = {}; /* task comm, NUL padded */
const volatile __u16 filter_lports[PB_TOOL_MAX_PORTS] = {};
const volatile __u32 filter_nlports = 0;
const volatile __u16 filter_rports[PB_TOOL_MAX_PORTS] = {};
const volatile __u32 filter_nrports = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PB_TOOL_RING_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} events_lost SEC(".maps");

/* Space for one event, or NULL (counted in events_lost) when the ring is full. */
static __always_inline void *pb_event_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e) {
		__u32 key = 0;
		__u64 *lost = bpf_map_lookup_elem(&events_lost, &key);
		if (lost)
			(*lost)++;
	}
	return e;
}

static __always_inline int pb_want_netns(__u32 ino)
{
	return !filter_netns || ino == filter_netns;
}

static __always_inline int pb_want_pid(__u32 tgid)
{
	return !filter_pid || tgid == filter_pid;
}

static __always_inline int pb_want_comm(const char *comm)
{
	if (!filter_comm[0])
		return 1;
	for (int i = 0; i < PB_TOOL_COMM_LEN; i++) {
		if (comm[i] != filter_comm[i])
			return 0;
		if (!comm[i])
			break;
	}
	return 1;
}

static __always_inline int pb_port_in(__u16 port, const volatile __u16 *ports, __u32 n)
{
	if (!n)
		return 1;
	for (int i = 0; i < PB_TOOL_MAX_PORTS; i++) {
		if (i >= n)
			break;
		if (port == ports[i])
			return 1;
	}
	return 0;
}

/* The socket behind file descriptor `fd` of the current task, or NULL when `fd` is out of
 * range, closed, or not a socket (the inode's mode is not S_IFSOCK): the walk
 * task->files->fdt->fd[fd]->private_data (struct socket)->sk that user pointers cannot
 * give (accept4's peer address may be NULL; connect's fd says nothing of the protocol).
 * Works in syscall tracepoints (checked on 6.18). */
static __always_inline struct sock *pb_sock_of_fd(int fd)
{
	if (fd < 0)
		return NULL;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & 00170000) != 0140000) /* S_IFMT, S_IFSOCK */
		return NULL;
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	return BPF_CORE_READ(sock, sk);
}

/* An address as the socket tools print it: family (AF_INET, AF_INET6, AF_UNIX, ...),
 * port in host order (0 for non-inet families), address bytes (IPv4 in the first 4). */
struct pb_sockaddr {
	__u16 family;
	__u16 port;
	__u8 addr[16];
};

/* Reads a struct sockaddr from user memory (connect's uservaddr, accept4's peer after the
 * call). Returns 0, or -1 when the pointer is NULL or unreadable (family left 0). */
static __always_inline int pb_read_user_sockaddr(const void *uaddr, struct pb_sockaddr *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	if (!uaddr)
		return -1;
	__u16 family = 0;
	if (bpf_probe_read_user(&family, sizeof(family), uaddr))
		return -1;
	out->family = family;
	__u16 port_be = 0;
	if (family == 2 /* AF_INET */) {
		const struct sockaddr_in *in = uaddr;
		bpf_probe_read_user(&port_be, sizeof(port_be), &in->sin_port);
		bpf_probe_read_user(out->addr, 4, &in->sin_addr);
	} else if (family == 10 /* AF_INET6 */) {
		const struct sockaddr_in6 *in6 = uaddr;
		bpf_probe_read_user(&port_be, sizeof(port_be), &in6->sin6_port);
		bpf_probe_read_user(out->addr, 16, &in6->sin6_addr);
	}
	out->port = bpf_ntohs(port_be);
	return 0;
}

/* The peer of a socket (the child of accept, a connected socket) from struct sock. */
static __always_inline void pb_sock_peer(const struct sock *sk, struct pb_sockaddr *out)
{
	__builtin_memset(out, 0, sizeof(*out));
	out->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	out->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (out->family == 2)
		BPF_CORE_READ_INTO((__u32 *)out->addr, sk, __sk_common.skc_daddr);
	else if (out->family == 10)
		BPF_CORE_READ_INTO(&out->addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
}

/* The current process (tgid) and its task name, for the pid/comm filters and the output. */
static __always_inline __u32 pb_current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* Ports in host order. */
static __always_inline int pb_want_ports(__u16 lport, __u16 rport)
{
	return pb_port_in(lport, filter_lports, filter_nlports) && pb_port_in(rport, filter_rports, filter_nrports);
}

#endif
