/* spread: where the DUT's packets are processed. Per (CPU, RX queue) counts at skb birth
 * and at netif_receive_skb, packets that changed CPU in between (RPS/RFS), and NAPI poll
 * work against budget. Shared between spread.bpf.c and its loader. */
#ifndef PB_SPREAD_H
#define PB_SPREAD_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* RX queues tracked one by one. The queue is skb_get_rx_queue() (queue_mapping - 1), except
 * on veth, which leaves the peer's TX queue index in queue_mapping (= its RX queue). An skb
 * without a recorded RX queue (queue_mapping 0, not veth), or with a queue at or above
 * this, is counted in slot PB_SPREAD_MAX_QUEUES. */
#define PB_SPREAD_MAX_QUEUES 64
#define PB_SPREAD_SLOTS (PB_SPREAD_MAX_QUEUES + 1)

/* Per CPU, per RX queue slot (the map is a PERCPU_ARRAY indexed by slot). */
struct pb_spread_cell {
	__u64 birth;    /* skb birth: napi_gro_receive_entry / netif_receive_skb(_list)_entry / netif_rx_entry */
	__u64 receive;  /* net:netif_receive_skb (after GRO and RPS) */
};

/* Per CPU (PERCPU_ARRAY, one entry). */
struct pb_spread_totals {
	__u64 rps_moved;          /* netif_receive_skb on another CPU than the skb's birth */
	__u64 receive_unmatched;  /* netif_receive_skb with no birth on record (LRU eviction, GRO head born elsewhere) */
	__u64 napi_polls;         /* napi:napi_poll on the DUT device */
	__u64 napi_work;          /* sum of work */
	__u64 napi_budget;        /* sum of budget */
	__u64 napi_exhausted;     /* polls with work >= budget (ring not drained) */
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_spread_cell) == 16, "pb_spread_cell layout");
static_assert(sizeof(struct pb_spread_totals) == 48, "pb_spread_totals layout");
#endif

#endif
