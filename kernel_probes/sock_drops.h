/* sock_drops: datagrams that reach and leave the benchmark's UDP sockets, and every
 * kfree_skb drop in the benchmark's namespaces by (side, reason, location).
 * Shared between sock_drops.bpf.c and its loader. */
#ifndef PB_SOCK_DROPS_H
#define PB_SOCK_DROPS_H

#ifndef __BPF__
#include <linux/types.h>
#endif

enum pb_sd_side {
	PB_SD_DUT = 0,
	PB_SD_TG = 1,
	PB_SD_SIDES = 2,
};

/* Per side, per CPU. */
struct pb_sd_counts {
	__u64 queued;      /* sock:sk_data_ready on a UDP socket: a datagram entered the receive queue */
	__u64 read;        /* sock:sock_recv_length > 0 on a UDP socket: a datagram was read */
	__u64 read_bytes;
	__u64 fail_queue;  /* udp:udp_fail_queue_rcv_skb */
};

struct pb_sd_drop_key {
	__u64 location;   /* kernel text address of the kfree_skb caller */
	__u32 reason;     /* enum skb_drop_reason of the running kernel */
	__u32 side;       /* enum pb_sd_side */
};

#define PB_SD_MAX_DROP_KEYS 1024

#ifdef __cplusplus
static_assert(sizeof(struct pb_sd_counts) == 32, "pb_sd_counts layout");
static_assert(sizeof(struct pb_sd_drop_key) == 16, "pb_sd_drop_key layout");
#endif

#endif
