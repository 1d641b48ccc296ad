// SPDX-License-Identifier: GPL-2.0
/* tcpsynbl on sock:inet_sock_set_state LISTEN->SYN_RECV, which tcp_create_openreq_child()
 * fires on the child right after sk_clone_lock() copied the listener: the same site as
 * the book's kprobe on tcp_v4_syn_recv_sock, just after its sk_acceptq_is_full() check.
 * Counts per (limit, backlog) stay in the kernel; nothing goes through the ring. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "tcp_state.bpf.h"
#include "tcpsynbl.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_TCPSYNBL_MAX_KEYS);
	__type(key, struct pb_tcpsynbl_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} uncounted SEC(".maps"); /* children not counted: the counts map was full */

static __always_inline void on_state(const struct sock *sk, int oldstate, int newstate)
{
	if (oldstate != TCP_LISTEN || newstate != TCP_SYN_RECV || !pb_is_inet_tcp(sk))
		return;
	if (!pb_want_netns(pb_sk_netns(sk)))
		return;
	/* The child's local port is the listener's. */
	if (!pb_port_in(bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport)), filter_lports, filter_nlports))
		return;
	struct pb_tcpsynbl_key key = {
		.limit = BPF_CORE_READ(sk, sk_max_ack_backlog),
		.backlog = BPF_CORE_READ(sk, sk_ack_backlog),
	};
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) == 0)
		return;
	/* Another CPU inserted the key first, or the map is full. */
	v = bpf_map_lookup_elem(&counts, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&uncounted, &zero);
	if (n)
		(*n)++;
}

/* sock:inet_sock_set_state (4.16+): tp_btf (5.5+) with its raw_tp twin, and the classic
 * tracepoint (skaddr is the same sk). */
PB_TWIN(tcpsynbl_set_state, inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	on_state(sk, oldstate, newstate);
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tcpsynbl_set_state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	on_state((const struct sock *)ctx->skaddr, ctx->oldstate, ctx->newstate);
	return 0;
}
