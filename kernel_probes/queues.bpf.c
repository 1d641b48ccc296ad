// SPDX-License-Identifier: GPL-2.0
/* queues: qdisc length at qdisc:qdisc_enqueue on the TG device and UDP socket receive
 * memory at sock:sk_data_ready in the DUT netns, as log-linear histograms plus a per-CPU
 * "max since reset" for the 100 ms series. tp_btf programs with raw_tp twins (PB_TWIN);
 * the loader keeps one of each pair. */
#include "vmlinux.h"
#include "common.bpf.h"
#include "bench/core/histogram_buckets.h"
#include "queues.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load. */
const volatile __u32 tg_netns_ino = 0;
const volatile __s32 tg_ifindex = 0;
const volatile __u32 dut_netns_ino = 0;

/* Index metric * PB_HIST_NBUCKETS + bucket. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_Q_METRICS * PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_Q_METRICS);
	__type(key, __u32);
	__type(value, struct pb_q_recent);
} recent SEC(".maps");

static __always_inline void record(__u32 metric, __u64 v)
{
	__u32 key = metric * PB_HIST_NBUCKETS + pb_hist_bucket(v);
	__u64 *n = bpf_map_lookup_elem(&hist, &key);
	if (n)
		(*n)++;
	struct pb_q_recent *r = bpf_map_lookup_elem(&recent, &metric);
	if (r) {
		r->events++;
		if (v > r->max)
			r->max = v;
	}
}

/* qdisc:qdisc_enqueue (5.15+): after a successful enqueue; not on bypass or noqueue. */
PB_TWIN(qu_enqueue, qdisc_enqueue, struct Qdisc *q, const struct netdev_queue *txq, struct sk_buff *skb)
{
	const struct net_device *dev = BPF_CORE_READ(txq, dev);
	if (!dev || BPF_CORE_READ(dev, ifindex) != tg_ifindex || pb_dev_netns(dev) != tg_netns_ino)
		return 0;
	/* q.qlen: what qdisc_qlen() reads; lockless qdiscs (TCQ_F_NOLOCK, pfifo_fast) keep
	 * per-CPU counts instead and show 0 here. */
	record(PB_Q_QDISC_QLEN, BPF_CORE_READ(q, q.qlen));
	return 0;
}

/* sock:sk_data_ready (6.3+): a socket was told data arrived (UDP: after each enqueue). */
PB_TWIN(qu_data_ready, sk_data_ready, const struct sock *sk)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP || pb_sk_netns(sk) != dut_netns_ino)
		return 0;
	int rmem = BPF_CORE_READ(sk, sk_backlog.rmem_alloc.counter);
	int rcvbuf = BPF_CORE_READ(sk, sk_rcvbuf);
	if (rmem < 0)
		rmem = 0;
	record(PB_Q_SOCK_RMEM, (__u64)rmem);
	if (rcvbuf > 0)
		record(PB_Q_SOCK_RMEM_PM, (__u64)rmem * 1000 / (__u64)rcvbuf);
	return 0;
}
