// SPDX-License-Identifier: GPL-2.0
/* sormem: receive-memory histograms at sk_data_ready and one event per receive-buffer
 * overflow, with per-CPU counts of each kind that stay exact when the ring overflows.
 * Filtered to one netns (the socket's) by the filter_netns knob. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "bench/core/histogram_buckets.h"
#include "sormem.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SORMEM_METRICS * PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SORMEM_KINDS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void record(__u32 metric, int v)
{
	__u32 key = metric * PB_HIST_NBUCKETS + pb_hist_bucket(v > 0 ? (__u64)v : 0);
	__u64 *n = bpf_map_lookup_elem(&hist, &key);
	if (n)
		(*n)++;
}

static __always_inline void on_data_ready(const struct sock *sk)
{
	if (!sk || !pb_want_netns(pb_sk_netns(sk)))
		return;
	record(PB_SORMEM_RMEM_ALLOC, BPF_CORE_READ(sk, sk_backlog.rmem_alloc.counter));
	record(PB_SORMEM_RCVBUF, BPF_CORE_READ(sk, sk_rcvbuf));
}

/* Counts one overflow of `kind` on `sk` and queues its line. */
static __always_inline void on_overflow(__u32 kind, const struct sock *sk, const struct sk_buff *skb, __s64 detail,
					__u32 exceed_kind)
{
	__u32 netns = sk ? pb_sk_netns(sk) : (skb ? pb_skb_netns(skb) : 0);
	if (!pb_want_netns(netns))
		return;
	__u64 *n = bpf_map_lookup_elem(&counts, &kind);
	if (n)
		(*n)++;
	struct pb_sormem_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->detail = detail;
	e->kind = kind;
	e->netns = netns;
	e->exceed_kind = exceed_kind;
	if (skb)
		e->truesize = BPF_CORE_READ(skb, truesize);
	if (sk) {
		e->rmem_alloc = BPF_CORE_READ(sk, sk_backlog.rmem_alloc.counter);
		e->rcvbuf = BPF_CORE_READ(sk, sk_rcvbuf);
		e->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		e->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		const struct proto *prot = BPF_CORE_READ(sk, __sk_common.skc_prot);
		if (prot)
			bpf_probe_read_kernel_str(e->proto, sizeof(e->proto), &prot->name);
	}
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void on_kfree_skb(const struct sk_buff *skb, __u32 reason, const struct sock *rx_sk)
{
	/* The value from the running kernel's BTF (CO-RE), never a hard-coded number. */
	if (reason != bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_SOCKET_RCVBUFF))
		return;
	on_overflow(PB_SORMEM_RCVBUFF_DROP, rx_sk, skb, 0, 0);
}

/* sock:sk_data_ready (6.3+): tp_btf with its raw_tp twin, and the classic tracepoint whose
 * record carries the same sk as skaddr. */
PB_TWIN(sormem_data_ready, sk_data_ready, const struct sock *sk)
{
	on_data_ready(sk);
	return 0;
}

SEC("tracepoint/sock/sk_data_ready")
int sormem_data_ready_tp(struct trace_event_raw_sk_data_ready *ctx)
{
	on_data_ready((const struct sock *)ctx->skaddr);
	return 0;
}

/* skb:kfree_skb with reason (5.17+) and rx_sk, the receiving socket (6.11+). */
PB_TWIN(sormem_kfree_skb, kfree_skb, struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk)
{
	on_kfree_skb(skb, (__u32)reason, rx_sk);
	return 0;
}

SEC("tracepoint/skb/kfree_skb")
int sormem_kfree_skb_tp(struct trace_event_raw_kfree_skb *ctx)
{
	on_kfree_skb((const struct sk_buff *)ctx->skbaddr, (__u32)ctx->reason, (const struct sock *)ctx->rx_sk);
	return 0;
}

/* udp:udp_fail_queue_rcv_skb (rc, sk, skb on 6.18): UDP's receive queue refused an skb. */
PB_TWIN(sormem_udp_fail, udp_fail_queue_rcv_skb, int rc, struct sock *sk, struct sk_buff *skb)
{
	on_overflow(PB_SORMEM_UDP_FAIL, sk, skb, rc, 0);
	return 0;
}

/* sock:sock_rcvqueue_full (sk, skb): sock_queue_rcv_skb found rmem_alloc at sk_rcvbuf. */
PB_TWIN(sormem_rcvqueue_full, sock_rcvqueue_full, struct sock *sk, struct sk_buff *skb)
{
	on_overflow(PB_SORMEM_RCVQ_FULL, sk, skb, 0, 0);
	return 0;
}

/* sock:sock_exceed_buf_limit (sk, prot, allocated, kind): the protocol's memory
 * (tcp_mem/udp_mem) is under pressure or exhausted. */
PB_TWIN(sormem_exceed, sock_exceed_buf_limit, struct sock *sk, struct proto *prot, long allocated, int kind)
{
	on_overflow(PB_SORMEM_EXCEED, sk, NULL, allocated, (__u32)kind);
	return 0;
}
