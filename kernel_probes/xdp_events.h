/* xdp_events: what the kernel's xdp:* tracepoints report about XDP on the benchmark's
 * interfaces: exceptions by action, redirect errors, XDP_TX bulk flushes, DEVMAP
 * transmits, CPUMAP enqueues and kthread runs.
 * Shared between xdp_events.bpf.c and its loader xdp_events_probe.cpp. */
#ifndef PB_XDP_EVENTS_H
#define PB_XDP_EVENTS_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define PB_XE_MAX_FILTER_IFS 4  /* interfaces the probe may be limited to */
#define PB_XE_MAX_DEVS 64       /* distinct (ifindex, netns) keys counted */
#define PB_XE_ACT_SLOTS 6       /* xdp_exception act 0..4 (enum xdp_action), 5: any other value */

/* An interface: ifindex within the netns whose inode is netns_ino (0: any netns). */
struct pb_xe_dev_key {
	__u32 ifindex;
	__u32 netns_ino;
};

/* Per device, per CPU. */
struct pb_xe_dev_counts {
	__u64 exception[PB_XE_ACT_SLOTS]; /* xdp:xdp_exception on this receiving device, by act */
	__u64 redirect_err;               /* xdp:xdp_redirect_err on this receiving device */
	__u64 bulk_tx_sent;               /* xdp:xdp_bulk_tx (XDP_TX flushes) on this device */
	__u64 bulk_tx_drops;
	__u64 bulk_tx_err;                /* flushes that returned an error */
	__u64 devmap_xmit_sent;           /* xdp:xdp_devmap_xmit, keyed by the transmitting to_dev */
	__u64 devmap_xmit_drops;
	__u64 devmap_xmit_err;            /* transmits that returned an error */
};

/* Per CPU, one slot. CPUMAP tracepoints name no device, only the map id. */
struct pb_xe_cpumap_counts {
	__u64 enqueue_calls;     /* xdp:xdp_cpumap_enqueue (one per bulk flush to a remote CPU) */
	__u64 enqueue_processed;
	__u64 enqueue_drops;     /* the remote CPU's queue was full */
	__u64 kthread_calls;     /* xdp:xdp_cpumap_kthread */
	__u64 kthread_processed;
	__u64 kthread_drops;
	__u64 kthread_sched;     /* the kthread yielded (need_resched) */
	__u64 kthread_xdp_pass;  /* verdicts of a second program run on the remote CPU */
	__u64 kthread_xdp_drop;
	__u64 kthread_xdp_redirect;
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_xe_dev_key) == 8, "pb_xe_dev_key layout");
static_assert(sizeof(struct pb_xe_dev_counts) == 104, "pb_xe_dev_counts layout");
static_assert(sizeof(struct pb_xe_cpumap_counts) == 80, "pb_xe_cpumap_counts layout");
#endif

#endif
