// SPDX-License-Identifier: GPL-2.0
/* soconnlat: the book's soconnlat.bt on the syscall tracepoints (a blocking connect timed
 * entry -> exit; an EINPROGRESS one until the same thread's next poll/select/epoll
 * returns > 0, whatever fd that was for), plus the kernel's view of the same connects:
 * inet_sock_set_state CLOSE -> SYN_SENT (in the connecting task) to SYN_SENT ->
 * ESTABLISHED or CLOSE, keyed by the socket. Filters: --netns (the socket's), --pid and
 * --comm (the connecting task), --rport (the destination port). */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "so_connect.bpf.h"
#include "soconnlat.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SO_CONNECT_THREADS);
	__type(key, __u64);   /* pid_tgid: the thread whose connect returned EINPROGRESS */
	__type(value, __u64); /* its sys_enter_connect time */
} inprogress SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SOCONNLAT_SOCKS);
	__type(key, __u64); /* struct sock * in SYN_SENT */
	__type(value, struct pb_soconnlat_syn);
} syn_sent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SOCONNLAT_NCOUNTS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &what);
	if (n)
		(*n)++;
}

static __always_inline void emit(__u64 lat_ns, __u32 pid, int ret, __u32 kind, const char *comm)
{
	struct pb_soconnlat_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->lat_ns = lat_ns;
	e->pid = pid;
	e->ret = ret;
	e->kind = kind;
	if (comm)
		__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	else
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

/* syscalls:sys_enter_connect / sys_exit_connect (classic tracepoints) */
SEC("tracepoint/syscalls/sys_enter_connect")
int soconnlat_enter(struct trace_event_raw_sys_enter *ctx)
{
	pb_so_connect_enter(ctx);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int soconnlat_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pb_so_connect c;
	if (!pb_so_connect_exit(&c))
		return 0;
	int ret = (int)ctx->ret;
	if (ret == -PB_SO_EINPROGRESS) {
		__u64 tid = bpf_get_current_pid_tgid();
		if (bpf_map_update_elem(&inprogress, &tid, &c.start_ns, BPF_ANY))
			count(PB_SOCONNLAT_INPROGRESS_FULL);
		return 0;
	}
	emit(bpf_ktime_get_ns() - c.start_ns, pb_current_tgid(), ret, PB_SOCONNLAT_CONNECT, NULL);
	return 0;
}

/* The book's end of an EINPROGRESS connect: its thread's next poll-family return > 0. */
static __always_inline void on_poll_exit(const struct trace_event_raw_sys_exit *ctx)
{
	if (ctx->ret <= 0)
		return;
	__u64 tid = bpf_get_current_pid_tgid();
	__u64 *start = bpf_map_lookup_elem(&inprogress, &tid);
	if (!start)
		return;
	__u64 lat = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&inprogress, &tid);
	emit(lat, tid >> 32, 0, PB_SOCONNLAT_POLLED, NULL);
}

#define PB_POLL_EXIT(name)							\
	SEC("tracepoint/syscalls/sys_exit_" #name)				\
	int soconnlat_##name(struct trace_event_raw_sys_exit *ctx)		\
	{									\
		on_poll_exit(ctx);						\
		return 0;							\
	}
PB_POLL_EXIT(poll)
PB_POLL_EXIT(ppoll)
PB_POLL_EXIT(select)
PB_POLL_EXIT(pselect6)
PB_POLL_EXIT(epoll_wait)
PB_POLL_EXIT(epoll_pwait)
PB_POLL_EXIT(epoll_pwait2)

/* The handshake: CLOSE -> SYN_SENT runs in tcp_v4/v6_connect, in the connecting task, with
 * the destination port already set (the source port is not yet). */
static __always_inline void on_state(const struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != TCP_CLOSE && oldstate != TCP_SYN_SENT)
		return;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	__u64 key = (__u64)sk;
	if (oldstate == TCP_CLOSE) {
		if (newstate != TCP_SYN_SENT || !pb_want_netns(pb_sk_netns(sk)))
			return;
		struct pb_soconnlat_syn s = {.pid = pb_current_tgid()};
		bpf_get_current_comm(s.comm, sizeof(s.comm));
		__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (!pb_want_pid(s.pid) || !pb_want_comm(s.comm) || !pb_port_in(rport, filter_rports, filter_nrports))
			return;
		s.start_ns = bpf_ktime_get_ns();
		if (bpf_map_update_elem(&syn_sent, &key, &s, BPF_ANY))
			count(PB_SOCONNLAT_SYN_FULL);
		return;
	}
	struct pb_soconnlat_syn *s = bpf_map_lookup_elem(&syn_sent, &key);
	if (!s)
		return;
	struct pb_soconnlat_syn syn = *s;
	bpf_map_delete_elem(&syn_sent, &key);
	emit(bpf_ktime_get_ns() - syn.start_ns, syn.pid, 0,
	     newstate == TCP_ESTABLISHED ? PB_SOCONNLAT_HANDSHAKE : PB_SOCONNLAT_REFUSED, syn.comm);
}

/* sock:inet_sock_set_state (4.16+): tp_btf (5.5+) with its raw_tp twin, and the classic
 * tracepoint whose record carries the same sk as skaddr. */
PB_TWIN(soconnlat_state, inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	on_state(sk, oldstate, newstate);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int soconnlat_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	on_state((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
	return 0;
}
