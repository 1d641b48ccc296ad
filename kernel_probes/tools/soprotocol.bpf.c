// SPDX-License-Identifier: GPL-2.0
/* soprotocol without the book's kprobes on security_socket_connect/accept: the fd walk
 * from sys_enter_connect (the connecting socket) and sys_exit_accept/accept4 (the accepted
 * one) reaches the same struct sock. Exact counts in a fixed-size hash map; what could not
 * be counted is counted. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "so_syscalls.bpf.h"
#include "soprotocol.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_SOPROTOCOL_MAX_KEYS);
	__type(key, struct pb_soprotocol_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SOPROTOCOL_NMISSES);
	__type(key, __u32);
	__type(value, __u64);
} misses SEC(".maps");

/* A zeroed key (names compared as whole arrays) off the 512-byte stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_soprotocol_key);
} scratch SEC(".maps");

static __always_inline void count(__u8 call, const struct sock *sk)
{
	__u32 zero = 0;
	struct pb_soprotocol_key *key = bpf_map_lookup_elem(&scratch, &zero);
	if (!key)
		return;
	__builtin_memset(key, 0, sizeof(*key));
	if (!pb_want_netns(so_call_netns(sk)) || !so_want_task(key->comm))
		return;
	if (!sk) {
		__u32 slot = PB_SOPROTOCOL_NOSOCK;
		__u64 *n = bpf_map_lookup_elem(&misses, &slot);
		if (n)
			(*n)++;
		return;
	}
	key->call = call;
	key->protocol = BPF_CORE_READ(sk, sk_protocol);
	key->type = BPF_CORE_READ(sk, sk_type);
	const struct proto *prot = BPF_CORE_READ(sk, __sk_common.skc_prot);
	if (prot)
		bpf_probe_read_kernel_str(key->name, sizeof(key->name), &prot->name);
	so_count(&counts, key, &misses); /* misses[0] is PB_SOPROTOCOL_FULL */
}

/* connect(fd, uservaddr, addrlen) */
SEC("tracepoint/syscalls/sys_enter_connect")
int soprotocol_connect(struct trace_event_raw_sys_enter *ctx)
{
	count(0, pb_sock_of_fd((int)ctx->args[0]));
	return 0;
}

static __always_inline void on_accepted(long ret)
{
	if (ret < 0)
		return;
	const struct sock *sk = pb_sock_of_fd((int)ret);
	if (sk)
		count(1, sk);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int soprotocol_accept(struct trace_event_raw_sys_exit *ctx)
{
	on_accepted(ctx->ret);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int soprotocol_accept4(struct trace_event_raw_sys_exit *ctx)
{
	on_accepted(ctx->ret);
	return 0;
}
