// SPDX-License-Identifier: GPL-2.0
/* Counts the xdp:* tracepoint events for the benchmark's interfaces. Each hook is a
 * tp_btf program (5.5+) with a raw_tp twin (4.17+), both from one PB_TWIN; the loader
 * (HookSet) keeps the first the running kernel attaches, and a tracepoint this kernel lacks
 * is left out. Prototypes as of 6.x (include/trace/events/xdp.h). */
#include "vmlinux.h"
#include "common.bpf.h"
#include "xdp_events.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load. */
const volatile __u32 filter_n = 0;  /* 0: count every device */
const volatile struct pb_xe_dev_key filter_ifs[PB_XE_MAX_FILTER_IFS] = {};
const volatile __u32 cpumap_map_id = 0;  /* 0: count every CPUMAP */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PB_XE_MAX_DEVS);
	__type(key, struct pb_xe_dev_key);
	__type(value, struct pb_xe_dev_counts);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_xe_cpumap_counts);
} cpumap SEC(".maps");

static __always_inline struct pb_xe_dev_key key_of(const struct net_device *dev)
{
	struct pb_xe_dev_key k = {
		.ifindex = BPF_CORE_READ(dev, ifindex),
		.netns_ino = pb_dev_netns(dev),
	};
	return k;
}

static __always_inline bool wanted(const struct pb_xe_dev_key *k)
{
	if (!filter_n)
		return true;
	for (__u32 i = 0; i < PB_XE_MAX_FILTER_IFS; i++) {
		if (i >= filter_n)
			break;
		if (filter_ifs[i].ifindex == k->ifindex &&
		    (!filter_ifs[i].netns_ino || filter_ifs[i].netns_ino == k->netns_ino))
			return true;
	}
	return false;
}

/* The per-CPU counters of k, created zeroed on first use. */
static __always_inline struct pb_xe_dev_counts *counts_of(const struct pb_xe_dev_key *k)
{
	struct pb_xe_dev_counts *c = bpf_map_lookup_elem(&devs, k);
	if (c)
		return c;
	struct pb_xe_dev_counts zero = {};
	bpf_map_update_elem(&devs, k, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&devs, k);
}

static __always_inline struct pb_xe_dev_counts *wanted_counts(const struct net_device *dev)
{
	if (!dev)
		return 0;
	struct pb_xe_dev_key k = key_of(dev);
	if (!wanted(&k))
		return 0;
	return counts_of(&k);
}

/* One bulk transmit (xdp_bulk_tx, xdp_devmap_xmit): frames sent and dropped (a negative
 * count adds nothing) into *sent_n and *drops_n, a failed one (err != 0) into *err_n. */
static __always_inline void count_bulk(__u64 *sent_n, __u64 *drops_n, __u64 *err_n, int sent, int drops, int err)
{
	*sent_n += sent > 0 ? sent : 0;
	*drops_n += drops > 0 ? drops : 0;
	if (err)
		(*err_n)++;
}

/* xdp:xdp_exception (dev, xdp, act); fires on XDP_ABORTED, an invalid action, or
 * an XDP_TX/REDIRECT the driver could not carry out. */
PB_TWIN(xe_exception, xdp_exception, const struct net_device *dev, const struct bpf_prog *xdp, __u32 act)
{
	struct pb_xe_dev_counts *c = wanted_counts(dev);
	if (!c)
		return 0;
	__u32 slot = act < PB_XE_ACT_SLOTS - 1 ? act : PB_XE_ACT_SLOTS - 1;
	c->exception[slot]++;
	return 0;
}

/* xdp:xdp_redirect_err (dev, xdp, tgt, err, map_type, map_id, index); 5.x-6.x. */
PB_TWIN(xe_redirect_err, xdp_redirect_err, const struct net_device *dev, const struct bpf_prog *xdp, const void *tgt,
	int err)
{
	struct pb_xe_dev_counts *c = wanted_counts(dev);
	if (c)
		c->redirect_err++;
	return 0;
}

/* xdp:xdp_bulk_tx (dev, sent, drops, err); 5.6+. */
PB_TWIN(xe_bulk_tx, xdp_bulk_tx, const struct net_device *dev, int sent, int drops, int err)
{
	struct pb_xe_dev_counts *c = wanted_counts(dev);
	if (c)
		count_bulk(&c->bulk_tx_sent, &c->bulk_tx_drops, &c->bulk_tx_err, sent, drops, err);
	return 0;
}

/* xdp:xdp_devmap_xmit (from_dev, to_dev, sent, drops, err); 5.8+. Counted under
 * to_dev, the device that sent or dropped, when either end passes the filter. */
PB_TWIN(xe_devmap_xmit, xdp_devmap_xmit, const struct net_device *from_dev, const struct net_device *to_dev,
	int sent, int drops, int err)
{
	if (!to_dev)
		return 0;
	struct pb_xe_dev_key to = key_of(to_dev);
	bool ok = wanted(&to);
	if (!ok && from_dev) {
		struct pb_xe_dev_key from = key_of(from_dev);
		ok = wanted(&from);
	}
	if (!ok)
		return 0;
	struct pb_xe_dev_counts *c = counts_of(&to);
	if (c)
		count_bulk(&c->devmap_xmit_sent, &c->devmap_xmit_drops, &c->devmap_xmit_err, sent, drops, err);
	return 0;
}

static __always_inline struct pb_xe_cpumap_counts *cpumap_counts(int map_id)
{
	if (cpumap_map_id && (__u32)map_id != cpumap_map_id)
		return 0;
	__u32 zero = 0;
	return bpf_map_lookup_elem(&cpumap, &zero);
}

/* xdp:xdp_cpumap_enqueue (map_id, processed, drops, to_cpu); 4.15+. */
PB_TWIN(xe_cpumap_enqueue, xdp_cpumap_enqueue, int map_id, unsigned int processed, unsigned int drops, int to_cpu)
{
	struct pb_xe_cpumap_counts *c = cpumap_counts(map_id);
	if (!c)
		return 0;
	c->enqueue_calls++;
	c->enqueue_processed += processed;
	c->enqueue_drops += drops;
	return 0;
}

/* xdp:xdp_cpumap_kthread (map_id, processed, drops, sched, xdp_stats); 5.9+. */
PB_TWIN(xe_cpumap_kthread, xdp_cpumap_kthread, int map_id, unsigned int processed, unsigned int drops, int sched,
	struct xdp_cpumap_stats *xdp_stats)
{
	struct pb_xe_cpumap_counts *c = cpumap_counts(map_id);
	if (!c)
		return 0;
	c->kthread_calls++;
	c->kthread_processed += processed;
	c->kthread_drops += drops;
	if (sched)
		c->kthread_sched++;
	if (xdp_stats) {
		c->kthread_xdp_pass += BPF_CORE_READ(xdp_stats, pass);
		c->kthread_xdp_drop += BPF_CORE_READ(xdp_stats, drop);
		c->kthread_xdp_redirect += BPF_CORE_READ(xdp_stats, redirect);
	}
	return 0;
}
