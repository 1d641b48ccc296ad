/* xdp_verdict: the XDP verdict programs on the DUT (xdp_drop, xdp_pass, xdp_tx,
 * xdp_redirect) count every frame per RX queue and per CPU, and record the in-program
 * latency of tagged frames (bpf_ktime_get_ns() - pb_payload.tx_ns).
 * Shared between xdp_verdict.bpf.c and its loader xdp_verdict_loader.cpp. */
#ifndef PB_XDP_VERDICT_H
#define PB_XDP_VERDICT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* RX queues counted one by one; rx_queue_index >= PB_XV_MAX_QUEUES - 1 shares the last slot. */
#define PB_XV_MAX_QUEUES 64

/* Indexed by the XDP action the program returned (enum xdp_action, 0..4). */
enum pb_xv_verdict {
	PB_XV_ABORTED = 0,
	PB_XV_DROP = 1,
	PB_XV_PASS = 2,
	PB_XV_TX = 3,
	PB_XV_REDIRECT = 4,
	PB_XV_NVERDICTS = 5,
};

/* Per CPU, per RX queue slot. */
struct pb_xv_counts {
	__u64 packets;
	__u64 bytes;                     /* data_end - data at entry */
	__u64 verdict[PB_XV_NVERDICTS];  /* what the program returned, by enum pb_xv_verdict */
	__u64 tagged;                    /* an IPv4/UDP frame whose payload starts with a pb_payload
	                                    carrying PB_PAYLOAD_MAGIC */
	__u64 malformed;                 /* not Ethernet/IPv4/UDP, or too short for those headers,
	                                    or an IPv4 fragment other than the first (no UDP header);
	                                    a whole UDP datagram without the tag is neither */
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_xv_counts) == 72, "pb_xv_counts layout");
#endif

#endif
