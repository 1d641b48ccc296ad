/* queues: queue depths on the benchmark's path. qdisc qlen at enqueue on the TG device and
 * UDP socket receive memory at sk_data_ready in the DUT netns, as log-linear histograms
 * (bench/core/histogram_buckets.h) plus a per-CPU "max since reset" that user space samples
 * every 100 ms. Shared between queues.bpf.c and its loader. */
#ifndef PB_QUEUES_H
#define PB_QUEUES_H

#ifndef __BPF__
#include <linux/types.h>
#endif

enum pb_q_metric {
	PB_Q_QDISC_QLEN = 0,     /* packets in the qdisc, this one included */
	PB_Q_SOCK_RMEM = 1,      /* sk_rmem_alloc bytes after the enqueue */
	PB_Q_SOCK_RMEM_PM = 2,   /* sk_rmem_alloc * 1000 / sk_rcvbuf */
	PB_Q_METRICS = 3,
};

/* Per CPU (PERCPU_ARRAY indexed by enum pb_q_metric): what happened since user space last
 * reset it. */
struct pb_q_recent {
	__u64 max;
	__u64 events;
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_q_recent) == 16, "pb_q_recent layout");
#endif

#endif
