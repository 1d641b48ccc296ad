// SPDX-License-Identifier: GPL-2.0
/* sofamily on the syscall tracepoints, the book's design: connect() counted at entry with
 * the family of its address (user memory), accept()/accept4() at exit when they returned a
 * socket, with that socket's family (fd walk, so a NULL peer-address pointer counts too).
 * Exact counts in a fixed-size hash map; what could not be counted is counted. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "so_syscalls.bpf.h"
#include "sofamily.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SOFAMILY_MAX_KEYS);
	__type(key, struct pb_sofamily_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SOFAMILY_NMISSES);
	__type(key, __u32);
	__type(value, __u64);
} misses SEC(".maps");

static __always_inline void miss(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&misses, &slot);
	if (n)
		(*n)++;
}

/* Whether the call passes the filters; fills the key's task name. */
static __always_inline int want(const struct sock *sk, struct pb_sofamily_key *key)
{
	return pb_want_netns(so_call_netns(sk)) && so_want_task(key->comm);
}

/* connect(fd, uservaddr, addrlen) */
SEC("tracepoint/syscalls/sys_enter_connect")
int sofamily_connect(struct trace_event_raw_sys_enter *ctx)
{
	const struct sock *sk = pb_sock_of_fd((int)ctx->args[0]);
	struct pb_sofamily_key key = {.call = PB_SO_CONNECT};
	if (!want(sk, &key))
		return 0;
	if (bpf_probe_read_user(&key.family, sizeof(key.family), (const void *)ctx->args[1]) != 0) {
		key.family = 0;
		if (sk) {
			key.family = BPF_CORE_READ(sk, __sk_common.skc_family);
			miss(PB_SOFAMILY_FROM_SOCK);
		} else {
			miss(PB_SOFAMILY_UNKNOWN); /* connect fails (EFAULT, ENOTSOCK) */
		}
	}
	so_count(&counts, &key, &misses); /* misses[0] is PB_SOFAMILY_FULL */
	return 0;
}

static __always_inline void on_accepted(long ret)
{
	if (ret < 0)
		return;
	const struct sock *sk = pb_sock_of_fd((int)ret);
	if (!sk)
		return;
	struct pb_sofamily_key key = {.call = PB_SO_ACCEPT};
	if (!want(sk, &key))
		return;
	key.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	so_count(&counts, &key, &misses);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int sofamily_accept(struct trace_event_raw_sys_exit *ctx)
{
	on_accepted(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int sofamily_accept4(struct trace_event_raw_sys_exit *ctx)
{
	on_accepted(ctx->ret);
	return 0;
}
