/* stages: per-stage latency of the kernel-udp path (DESIGN.md "How a measurement is taken",
 * seed-tools.md §3.2), shared between stages.bpf.c and its loader.
 *
 * Stage names as they appear in the report's "stages" section (enum order):
 *   rx_birth_to_netif_receive       R3 skb birth on the DUT link (net:napi_gro_receive_entry,
 *                                   netif_receive_skb_entry, netif_receive_skb_list_entry or
 *                                   netif_rx) -> R4 net:netif_receive_skb: GRO hold, gro_normal
 *                                   batching, backlog/RPS queueing.
 *   rx_netif_receive_to_data_ready  R4 -> R5 sock:sk_data_ready on the UDP socket: IP + UDP
 *                                   receive, netfilter, socket enqueue.
 *   rx_data_ready_to_recv           R5 -> R6 sock:sock_recv_length: wait in the socket receive
 *                                   queue plus the copy to user space.
 *   tx_send_to_dev_queue            T0/T1 -> T2 net:net_dev_queue on the TG link: from the
 *                                   sendmsg/sendto/sendmmsg entry (the first datagram of a call)
 *                                   or from the previous datagram's sock:sock_send_length (the
 *                                   next ones in a sendmmsg batch): socket, IP, neighbour, TC egress.
 *   tx_dev_queue_to_qdisc_enqueue   T2 -> T3 qdisc:qdisc_enqueue.
 *   tx_qdisc_sojourn                T3 -> T4 qdisc:qdisc_dequeue (first skb of a bulk dequeue).
 *   tx_qdisc_dequeue_to_start_xmit  T4 -> T5 net:net_dev_start_xmit.
 *   tx_dev_queue_to_start_xmit      T2 -> T5, with or without a qdisc in between.
 *   tx_start_xmit_to_xmit           T5 -> T6 net:net_dev_xmit: the driver's ndo_start_xmit
 *                                   (for veth: the hand-over to the peer).
 *   tcp_rx_netif_receive_to_tcp_rcv kernel-tcp only. R4 net:netif_receive_skb on the DUT link ->
 *                                   tcp:tcp_probe (tcp_rcv_established of a DUT socket): IP +
 *                                   TCP input up to the established-state handler.
 *   tcp_rx_tcp_rcv_to_copy          kernel-tcp only. tcp:tcp_probe -> skb:skb_copy_datagram_iovec
 *                                   (the first copy out of that skb): receive queue wait until
 *                                   the application reads. A segment TCP coalesced into the
 *                                   previous skb is never copied by itself and has no sample.
 *
 * Keys: R3..R5 and T2..T5 by the payload tag (flow, seq) in one slot of a direct-mapped
 * array (cheaper than an LRU hash: no allocation), taken over at each birth (T2 resets the
 * whole slot, R3 its RX half; a colliding newer packet evicts an older one); T0->T2 by thread (synchronous);
 * T5->T6 by skb address in a per-CPU slot (synchronous in xmit_one, the skb is never read at
 * T6 because the peer may own it by then); R5->R6 by a per-socket FIFO (UDP delivers in
 * queue order), since sock_recv_length names no skb. The TCP stages (a byte stream has no
 * per-packet tag) by skb address in an LRU hash, reset at R4.
 *
 * Sampling windows: the loader attaches the programs only for part of each period (an
 * attached tracepoint costs even when the program returns at once) and bumps window_gen
 * before each window; all per-packet, per-thread and per-socket state carries the window it
 * was made in, so nothing pairs across a detached gap. */
#ifndef PB_STAGES_H
#define PB_STAGES_H

#ifndef __BPF__
#include <linux/types.h>
#endif

enum pb_stg_stage {
	PB_STG_RX_BIRTH_TO_NETIF_RECEIVE = 0,
	PB_STG_RX_NETIF_RECEIVE_TO_DATA_READY = 1,
	PB_STG_RX_DATA_READY_TO_RECV = 2,
	PB_STG_TX_SEND_TO_DEV_QUEUE = 3,
	PB_STG_TX_DEV_QUEUE_TO_QDISC_ENQUEUE = 4,
	PB_STG_TX_QDISC_SOJOURN = 5,
	PB_STG_TX_QDISC_DEQUEUE_TO_START_XMIT = 6,
	PB_STG_TX_DEV_QUEUE_TO_START_XMIT = 7,
	PB_STG_TX_START_XMIT_TO_XMIT = 8,
	PB_STG_TCP_NETIF_RECEIVE_TO_TCP_RCV = 9,
	PB_STG_TCP_RCV_TO_COPY = 10,
	PB_STG_COUNT = 11,
};

/* Deltas above this are taken as stale state, not latency: counted in misses. */
#define PB_STG_MAX_DELTA_NS 10000000000ULL /* 10 s */

/* Per-packet state, in the slot pkt_index(tag) of an array (a direct-mapped cache). */
struct pb_stg_key {
	__u32 flow;
	__u32 gen;  /* sampling window the packet was born in (window_gen) */
	__u64 seq;
};

struct pb_stg_pkt {
	struct pb_stg_key key;  /* the packet this slot holds */
	__u64 t_dev_queue;      /* T2; 0 once consumed at T5 */
	__u64 t_enqueue;        /* T3; 0 once consumed at T4 */
	__u64 t_dequeue;        /* T4; 0 once consumed at T5 */
	__u64 t_birth;          /* R3; 0 once consumed at R4 */
	__u64 t_netif_receive;  /* R4; 0 once consumed at R5 */
};

/* The per-socket FIFO between sk_data_ready and sock_recv_length, keyed by the socket's
 * inode number (unique for the socket's lifetime, unlike its address). */
#define PB_STG_SOCKQ_SLOTS 1024 /* power of two; a deeper queue loses samples, not alignment */

struct pb_stg_slot {
	__u64 idx;  /* enqueue index + 1 (0: never written) */
	__u64 ts;   /* sk_data_ready time */
};

struct pb_stg_sockq {
	__u64 enq;  /* datagrams queued (sk_data_ready), plus those queued before the window began */
	__u64 deq;  /* datagrams read (sock_recv_length) in this window */
	__u64 gen;  /* the window the counters are aligned for; both counters only grow */
	struct pb_stg_slot slot[PB_STG_SOCKQ_SLOTS];
};

/* kernel-tcp RX: per skb address, from R4. */
#define PB_STG_MAX_TCP_SKBS 16384
struct pb_stg_tcp {
	__u64 t_netif_receive; /* R4; 0 once consumed at tcp_probe */
	__u64 t_tcp_rcv;       /* tcp_probe; 0 until then */
	__u32 gen;
	__u32 pad;
};

/* T5 -> T6 per CPU. */
struct pb_stg_xmit {
	__u64 skb;
	__u64 ts;
	__u32 gen;
	__u32 pad;
};

/* T0/T1 per thread: the start of the thread's next datagram. */
struct pb_stg_thread {
	__u64 ts;
	__u32 gen;
	__u32 pad;
};

#define PB_STG_MAX_PKTS 65536 /* power of two: slots of the per-packet array */
#define PB_STG_MAX_SOCKETS 256
#define PB_STG_MAX_THREADS 1024

#ifdef __cplusplus
static_assert(sizeof(struct pb_stg_key) == 16, "pb_stg_key layout");
static_assert(sizeof(struct pb_stg_pkt) == 56, "pb_stg_pkt layout");
static_assert(sizeof(struct pb_stg_sockq) == 24 + 16 * PB_STG_SOCKQ_SLOTS, "pb_stg_sockq layout");
static_assert(sizeof(struct pb_stg_xmit) == 24, "pb_stg_xmit layout");
static_assert(sizeof(struct pb_stg_thread) == 16, "pb_stg_thread layout");
#endif

#endif
