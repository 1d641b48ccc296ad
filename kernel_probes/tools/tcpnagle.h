/* tcpnagle (approximation): the Nagle state (tcp_sock.nonagle: TCP_NAGLE_OFF 1,
 * TCP_NAGLE_CORK 2, TCP_NAGLE_PUSH 4) counted per sendmsg at tcp:tcp_sendmsg_locked, not
 * per tcp_write_xmit call as the book's kprobe (that function has no tracepoint); and
 * the book's "blocked" time approximated by the delay from a write to the first transmit
 * of its data (net:net_dev_queue). Shared between tcpnagle.bpf.c and tcpnagle.cpp. */
#ifndef PB_TOOLS_TCPNAGLE_H
#define PB_TOOLS_TCPNAGLE_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define PB_TCPNAGLE_FLAGS 16 /* nonagle is a 4-bit field: one counter per value */
#define PB_TCPNAGLE_MAX_PENDING 8192 /* sockets with a write waiting for its first transmit */

/* A write waiting for its first transmit (one per socket: the oldest). */
struct pb_tcpnagle_pending {
	__u64 ts_ns; /* bpf_ktime_get_ns() at the sendmsg */
	__u32 seq;   /* tcp_sock.write_seq then: the first byte of the write */
	__u32 pad;
};

/* One ring record: a write's wait, sendmsg -> first net_dev_queue of its data. */
struct pb_tcpnagle_sample {
	__u64 delay_ns;
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_tcpnagle_pending) == 16, "pb_tcpnagle_pending layout");
static_assert(sizeof(struct pb_tcpnagle_sample) == 8, "pb_tcpnagle_sample layout");

namespace pb::probes::tools {
struct Tool;
// The tcpnagle row of the tool table.
const Tool& tcpnagle_tool();
}  // namespace pb::probes::tools
#endif

#endif
