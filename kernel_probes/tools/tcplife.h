/* tcplife: one event per TCP session when it closes (sock:inet_sock_set_state reaching
 * TCP_CLOSE), with its addresses, ports, bytes each way (tcp_sock.bytes_acked and
 * bytes_received via CO-RE), lifespan and the process it belongs to, as libbpf-tools'
 * tcplife. Shared between tcplife.bpf.c and tcplife.cpp. */
#ifndef PB_TOOLS_TCPLIFE_H
#define PB_TOOLS_TCPLIFE_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

struct pb_tcplife_event {
	__u8 saddr[16];  /* local address; IPv4 in the first 4 bytes */
	__u8 daddr[16];  /* remote address */
	__u64 span_ns;   /* from the last state below FIN_WAIT1 (ESTABLISHED, normally) to CLOSE */
	__u64 rx_bytes;  /* tcp_sock.bytes_received */
	__u64 tx_bytes;  /* tcp_sock.bytes_acked */
	__u32 pid;       /* tgid: see struct pb_tcplife_ident */
	__u32 netns;     /* netns inode of the socket */
	__u16 lport;     /* host order */
	__u16 rport;     /* host order */
	__u16 family;    /* AF_INET, AF_INET6 */
	__u16 pad;
	char comm[PB_TOOL_COMM_LEN];
};

/* Who a session belongs to: the task that connected (SYN_SENT), else the one that closed
 * it (FIN_WAIT1 for an active close, LAST_ACK for a passive one: both run in close() or
 * shutdown()), else whatever task is on the CPU at TCP_CLOSE. */
struct pb_tcplife_ident {
	__u32 pid;
	__u32 pad;
	char comm[PB_TOOL_COMM_LEN];
};

#define PB_TCPLIFE_MAX_SOCKS 16384 /* sessions followed at once (LRU beyond) */

#ifdef __cplusplus
static_assert(sizeof(struct pb_tcplife_event) == 88, "pb_tcplife_event layout");
static_assert(sizeof(struct pb_tcplife_ident) == 24, "pb_tcplife_ident layout");

namespace pb::probes::tools {
struct Tool;
// The tcplife row of the tool table.
const Tool& tcplife_tool();
}  // namespace pb::probes::tools
#endif

#endif
