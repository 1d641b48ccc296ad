/* nettxlat and nettxlat-dev: device transmit latency, from net:net_dev_start_xmit (the skb
 * handed to the driver) to skb:consume_skb or skb:kfree_skb of the same skb (the driver's
 * completion frees it), as the book's nettxlat.bt; histograms filled in BPF. nettxlat.bpf.c
 * is both objects: nettxlat_dev.bpf.c compiles it with PB_NETTXLAT_PER_DEV for the
 * per-device maps. Shared with nettxlat.cpp and nettxlat_dev.cpp. */
#ifndef PB_TOOLS_NETTXLAT_H
#define PB_TOOLS_NETTXLAT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define PB_NETTXLAT_MAX_SKBS 65536      /* skbs between start and completion at once (LRU beyond) */
#define PB_NETTXLAT_MAX_DEVS 256        /* nettxlat-dev: devices counted apart */
#define PB_NETTXLAT_MAX_DEV_BUCKETS 16384 /* nettxlat-dev: (device, bucket) pairs in use */

/* What net_dev_start_xmit leaves for the completion of the same skb. */
struct pb_nettxlat_start {
	__u64 ts_ns;
	__u32 netns;   /* of the device the skb was handed to */
	__u32 ifindex;
};

/* nettxlat-dev: one device (netns, ifindex), and one histogram bucket of it. */
struct pb_nettxlat_dev_key {
	__u32 netns;
	__u32 ifindex;
};

struct pb_nettxlat_dev {
	char name[16];     /* the device's name at its first start */
	__u64 started;
	__u64 consumed;    /* completions by consume_skb */
	__u64 freed;       /* completions by kfree_skb (a drop) */
};

struct pb_nettxlat_bucket_key {
	__u32 netns;
	__u32 ifindex;
	__u32 bucket;      /* pb_hist_bucket(latency in us) */
	__u32 pad;
};

/* Counters (per-CPU array indices). */
enum pb_nettxlat_counter {
	PB_NETTXLAT_STARTED = 0,  /* net_dev_start_xmit of skbs in scope */
	PB_NETTXLAT_CONSUMED,     /* completions by consume_skb (timed) */
	PB_NETTXLAT_FREED,        /* completions by kfree_skb (timed) */
	PB_NETTXLAT_RESTARTED,    /* a start for an skb already started (requeued by a busy driver): the later start counts */
	PB_NETTXLAT_REQUEUED,     /* net_dev_queue of a started skb (queued again, e.g. forwarded): not timed */
	PB_NETTXLAT_DEVS_FULL,    /* nettxlat-dev: completions on devices beyond PB_NETTXLAT_MAX_DEVS (in no row) */
	PB_NETTXLAT_BUCKETS_FULL, /* nettxlat-dev: completions whose (device, bucket) found the map full */
	PB_NETTXLAT_NCOUNTERS,
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_nettxlat_start) == 16, "pb_nettxlat_start layout");
static_assert(sizeof(struct pb_nettxlat_dev_key) == 8, "pb_nettxlat_dev_key layout");
static_assert(sizeof(struct pb_nettxlat_dev) == 40, "pb_nettxlat_dev layout");
static_assert(sizeof(struct pb_nettxlat_bucket_key) == 16, "pb_nettxlat_bucket_key layout");

namespace pb::probes::tools {
struct Tool;
// The nettxlat row of the tool table (nettxlat-dev shares its check).
const Tool& nettxlat_tool();
// The final summary's caveat of nettxlat and nettxlat-dev.
inline constexpr const char* kNettxlatVirtualNote =
    "on virtual devices (veth, lo) the completion is the receiver freeing the skb, not a TX ring";
}  // namespace pb::probes::tools
#endif

#endif
