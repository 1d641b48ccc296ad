/* sormem: socket receive memory, as the book's sormem.bt: histograms of sk_rmem_alloc and
 * sk_rcvbuf sampled at sock:sk_data_ready (each enqueue, the moment an overflow is decided),
 * and one line per receive-buffer overflow from skb:kfree_skb reason SOCKET_RCVBUFF (every
 * protocol), udp:udp_fail_queue_rcv_skb (UDP's own path), sock:sock_rcvqueue_full
 * (sock_queue_rcv_skb users: ping, ...) and sock:sock_exceed_buf_limit (protocol memory
 * pressure). Observed on 6.18: a raw socket's overflows (/proc/net/raw's drops column) reach
 * none of these tracepoints; the buffer seems to be checked before the skb is cloned for it. Shared between sormem.bpf.c and sormem.cpp. */
#ifndef PB_TOOLS_SORMEM_H
#define PB_TOOLS_SORMEM_H

#ifndef __BPF__
#include <linux/types.h>
#endif

enum pb_sormem_kind {
	PB_SORMEM_RCVBUFF_DROP = 0, /* skb:kfree_skb, reason SOCKET_RCVBUFF */
	PB_SORMEM_UDP_FAIL = 1,     /* udp:udp_fail_queue_rcv_skb */
	PB_SORMEM_RCVQ_FULL = 2,    /* sock:sock_rcvqueue_full */
	PB_SORMEM_EXCEED = 3,       /* sock:sock_exceed_buf_limit */
	PB_SORMEM_KINDS = 4,
};

/* The hist map: index metric * PB_HIST_NBUCKETS + pb_hist_bucket(bytes). */
enum pb_sormem_metric {
	PB_SORMEM_RMEM_ALLOC = 0, /* sk->sk_backlog.rmem_alloc */
	PB_SORMEM_RCVBUF = 1,     /* sk->sk_rcvbuf */
	PB_SORMEM_METRICS = 2,
};

#define PB_SORMEM_PROTO_LEN 16

struct pb_sormem_event {
	__s64 detail;     /* udp_fail: rc (-errno); exceed_buf_limit: pages allocated; else 0 */
	__u32 kind;       /* enum pb_sormem_kind */
	__u32 netns;      /* netns inode of the socket */
	__s32 rmem_alloc; /* the socket's receive memory at the event */
	__s32 rcvbuf;     /* its limit */
	__u32 truesize;   /* the skb's truesize; 0: no skb (exceed_buf_limit) */
	__u16 lport;      /* skc_num, host order */
	__u16 rport;      /* skc_dport, host order; 0: not connected */
	__u32 exceed_kind; /* exceed_buf_limit: SK_MEM_SEND 0, SK_MEM_RECV 1 */
	__u32 pad;
	char proto[PB_SORMEM_PROTO_LEN]; /* skc_prot->name */
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_sormem_event) == 56, "pb_sormem_event layout");

namespace pb::probes::tools {
struct Tool;
// The sormem row of the tool table.
const Tool& sormem_tool();
}  // namespace pb::probes::tools
#endif

#endif
