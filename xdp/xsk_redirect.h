/* xsk_redirect: the `afxdp` path's XDP program on the DUT. It hands every frame to the
 * AF_XDP socket bound to the frame's RX queue (XSKMAP slot rx_queue_index) and counts,
 * per CPU and per RX queue, what it redirected and what fell back to XDP_DROP because no
 * socket was in that slot. Shared between xsk_redirect.bpf.c and xdp/afxdp_sink.cpp. */
#ifndef PB_XSK_REDIRECT_H
#define PB_XSK_REDIRECT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* XSKMAP slots and counter slots; rx_queue_index >= PB_XSK_MAX_QUEUES shares the last
 * counter slot (and, having no socket, always falls back). */
#define PB_XSK_MAX_QUEUES 64

/* Per CPU, per RX queue slot. */
struct pb_xsk_counts {
	__u64 redirected; /* bpf_redirect_map() found a socket: XDP_REDIRECT returned */
	__u64 fallback;   /* no socket on that queue: XDP_DROP returned */
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_xsk_counts) == 16, "pb_xsk_counts layout");
#endif

#endif
