/* qdisc-<kind> (qdisc-tbf, qdisc-htb, ...): the time packets spend inside one kind of qdisc,
 * from qdisc:qdisc_enqueue to qdisc:qdisc_dequeue keyed by the skb, as histograms filled in
 * BPF, plus counts per qdisc instance. One BPF object serves every kind: the kind is a
 * rodata knob compared with q->ops->id. Shared between qdisc.bpf.c and qdisc.cpp. */
#ifndef PB_TOOLS_QDISC_H
#define PB_TOOLS_QDISC_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define PB_QDISC_KIND_LEN 16    /* IFNAMSIZ: Qdisc_ops.id */
#define PB_QDISC_MAX_SKBS 65536 /* packets in the traced qdiscs at once (LRU beyond: counted) */
#define PB_QDISC_MAX_QDISCS 256 /* qdisc instances counted apart */
#define PB_QDISC_MAX_BULK 16    /* skbs of one bulk dequeue followed along skb->next */

/* What an enqueue leaves for the dequeue of the same skb. */
struct pb_qdisc_start {
	__u64 ts_ns;
	__u64 qdisc; /* struct Qdisc *: a dequeue by another qdisc is not this packet's */
};

/* One qdisc instance: netns, device, handle and parent (TC_H_ROOT for the root). */
struct pb_qdisc_key {
	__u32 netns;
	__u32 ifindex;
	__u32 handle;
	__u32 parent;
};

struct pb_qdisc_counts {
	__u64 enqueued;  /* qdisc_enqueue events (successful enqueues only) */
	__u64 dequeued;  /* skbs dequeued, bulk members included */
	__u64 matched;   /* of those, with their enqueue seen: in the histogram */
	char dev[16];    /* the device's name at the first event */
};

/* Counters (per-CPU array indices). */
enum pb_qdisc_counter {
	PB_QDISC_UNMATCHED = 0,  /* dequeued without an enqueue seen (queued before the start, requeued, evicted) */
	PB_QDISC_EMPTY_POLLS,    /* qdisc_dequeue with no skb (the qdisc was empty or throttled) */
	PB_QDISC_BULK_SKBS,      /* skbs after the first of a bulk dequeue */
	PB_QDISC_BULK_CUT,       /* bulk dequeues longer than PB_QDISC_MAX_BULK (the rest not followed) */
	PB_QDISC_KEYS_FULL,      /* events of qdiscs beyond PB_QDISC_MAX_QDISCS (in the histogram, no row) */
	PB_QDISC_NCOUNTERS,
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_qdisc_start) == 16, "pb_qdisc_start layout");
static_assert(sizeof(struct pb_qdisc_key) == 16, "pb_qdisc_key layout");
static_assert(sizeof(struct pb_qdisc_counts) == 40, "pb_qdisc_counts layout");

namespace pb::probes::tools {
struct Tool;
// The qdisc-<kind> rows of the tool table, one per kind the book's qdisc tools cover.
const Tool& qdisc_fq_tool();
const Tool& qdisc_fq_codel_tool();
const Tool& qdisc_codel_tool();
const Tool& qdisc_red_tool();
const Tool& qdisc_cbs_tool();
const Tool& qdisc_tbf_tool();
const Tool& qdisc_htb_tool();
const Tool& qdisc_pfifo_fast_tool();
}  // namespace pb::probes::tools
#endif

#endif
