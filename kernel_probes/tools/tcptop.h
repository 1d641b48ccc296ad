/* tcptop: bytes each way per TCP flow and process, as bcc's tcptop (PID COMM LADDR RADDR
 * RX_KB TX_KB every interval, busiest first), from sock:sock_send_length and
 * sock:sock_recv_length filtered to TCP with the tuple read from the socket. Shared
 * between tcptop.bpf.c and tcptop.cpp. */
#ifndef PB_TOOLS_TCPTOP_H
#define PB_TOOLS_TCPTOP_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

#ifndef PB_SOCK_READ
#define PB_SOCK_READ 0  /* sock_recv_length */
#define PB_SOCK_WRITE 1 /* sock_send_length */
#endif

struct pb_tcptop_key {
	__u8 saddr[16]; /* local address (skc_rcv_saddr); IPv4 in the first 4 bytes */
	__u8 daddr[16]; /* remote address */
	__u32 pid;      /* tgid of the caller */
	__u16 lport;    /* host order */
	__u16 rport;    /* host order */
	__u16 family;   /* AF_INET, AF_INET6 */
	__u16 pad;
	__u32 pad2;
};

struct pb_tcptop_value {
	__u64 rx_bytes; /* positive returns of sock_recv_length (MSG_PEEK left out) */
	__u64 tx_bytes; /* positive returns of sock_send_length */
	char comm[PB_TOOL_COMM_LEN]; /* the task name of the latest call */
};

#define PB_TCPTOP_MAX_FLOWS 16384
#define PB_TCPTOP_ROWS 20 /* rows per summary, as bcc's tcptop's default */

#ifdef __cplusplus
static_assert(sizeof(struct pb_tcptop_key) == 48, "pb_tcptop_key layout");
static_assert(sizeof(struct pb_tcptop_value) == 32, "pb_tcptop_value layout");

namespace pb::probes::tools {
struct Tool;
// The tcptop row of the tool table.
const Tool& tcptop_tool();
}  // namespace pb::probes::tools
#endif

#endif
