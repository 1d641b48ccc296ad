/* tcpconnect: one event per active TCP open (connect), from sock:inet_sock_set_state
 * CLOSE->SYN_SENT (in the connecting task: its pid and comm) completed at the socket's
 * next transition (SYN_SENT->ESTABLISHED, or ->CLOSE on failure), where the ephemeral
 * source port is known. Shared between tcpconnect.bpf.c and tcpconnect.cpp. */
#ifndef PB_TOOLS_TCPCONNECT_H
#define PB_TOOLS_TCPCONNECT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

struct pb_tcpconnect_event {
	__u8 saddr[16];  /* local address; IPv4 in the first 4 bytes */
	__u8 daddr[16];  /* remote address */
	__u64 ts_ns;     /* bpf_ktime_get_ns() at CLOSE->SYN_SENT (the connect) */
	__u32 pid;       /* tgid of the connecting task */
	__u32 netns;     /* netns inode of the socket */
	__u16 sport;     /* host order */
	__u16 dport;     /* host order */
	__u16 family;    /* AF_INET, AF_INET6 */
	__u16 pad;
	char comm[PB_TOOL_COMM_LEN];
};

/* The connecting task, kept from CLOSE->SYN_SENT to the next transition. */
struct pb_tcpconnect_pending {
	__u64 ts_ns;
	__u32 pid;
	__u32 pad;
	char comm[PB_TOOL_COMM_LEN];
};

#define PB_TCPCONNECT_MAX_PENDING 8192 /* handshakes followed at once (LRU beyond) */

#ifdef __cplusplus
static_assert(sizeof(struct pb_tcpconnect_event) == 72, "pb_tcpconnect_event layout");
static_assert(sizeof(struct pb_tcpconnect_pending) == 32, "pb_tcpconnect_pending layout");

namespace pb::probes::tools {
struct Tool;
// The tcpconnect row of the tool table.
const Tool& tcpconnect_tool();
}  // namespace pb::probes::tools
#endif

#endif
