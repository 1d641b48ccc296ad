/* tcpaccept: one event per TCP connection a process accepts, at the return of accept()
 * or accept4() (the book's kretprobe on inet_csk_accept): the accepting task, the
 * accepted socket's tuple (fd walk to the child) and the listener's accept queue (fd walk
 * to the listener). Handshakes completed (sock:inet_sock_set_state SYN_RECV->ESTABLISHED)
 * are counted apart. Shared between tcpaccept.bpf.c and tcpaccept.cpp. */
#ifndef PB_TOOLS_TCPACCEPT_H
#define PB_TOOLS_TCPACCEPT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

struct pb_tcpaccept_event {
	__u8 laddr[16];    /* local address; IPv4 in the first 4 bytes */
	__u8 raddr[16];    /* remote address */
	__u64 ts_ns;       /* bpf_ktime_get_ns() at the accept's return */
	__u32 pid;         /* tgid of the accepting task */
	__u32 netns;       /* netns inode of the accepted socket */
	__u16 lport;       /* host order */
	__u16 rport;       /* host order */
	__u16 family;      /* AF_INET, AF_INET6 */
	__u16 pad;
	__u32 backlog;     /* listener's sk_ack_backlog after this accept */
	__u32 max_backlog; /* listener's sk_max_ack_backlog (the listen() backlog) */
	char comm[PB_TOOL_COMM_LEN];
};

/* Indexes of the per-CPU counters. */
enum pb_tcpaccept_counter {
	PB_TCPACCEPT_HANDSHAKES = 0, /* SYN_RECV->ESTABLISHED of a TCP child (passive opens) */
	PB_TCPACCEPT_UNMATCHED = 1,  /* accept calls not remembered at entry (map full) */
	PB_TCPACCEPT_NCOUNTERS = 2,
};

#define PB_TCPACCEPT_MAX_CALLS 8192 /* accept() calls in flight at once */
#define PB_TCPACCEPT_UNKNOWN 0xffffffffu /* backlog of an accept entered before the tool started */

#ifdef __cplusplus
static_assert(sizeof(struct pb_tcpaccept_event) == 80, "pb_tcpaccept_event layout");

namespace pb::probes::tools {
struct Tool;
// The tcpaccept row of the tool table.
const Tool& tcpaccept_tool();
}  // namespace pb::probes::tools
#endif

#endif
