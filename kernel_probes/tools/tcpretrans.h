/* tcpretrans: one event per TCP retransmission (tcp:tcp_retransmit_skb) and per SYN-ACK
 * retransmission (tcp:tcp_retransmit_synack), with the socket's tuple and state; tail
 * loss probes have no tracepoint and are counted from the netns' TcpExt counters.
 * Shared between tcpretrans.bpf.c and tcpretrans.cpp. */
#ifndef PB_TOOLS_TCPRETRANS_H
#define PB_TOOLS_TCPRETRANS_H

#ifndef __BPF__
#include <linux/types.h>
#endif

struct pb_tcpretrans_event {
	__u8 laddr[16]; /* local address; IPv4 in the first 4 bytes */
	__u8 raddr[16]; /* remote address */
	__u64 ts_ns;    /* bpf_ktime_get_ns() */
	__u32 pid;      /* tgid of the task on the CPU (0 in softirq and timers, as the book's) */
	__u32 netns;    /* netns inode of the socket */
	__u16 lport;    /* host order */
	__u16 rport;    /* host order */
	__u16 family;   /* AF_INET, AF_INET6 */
	__u16 state;    /* TCP state of the socket (SYN_RECV for a SYN-ACK) */
	__s32 err;      /* 0, or the -errno of a retransmit that could not be sent */
	__u32 synack;   /* 1: a SYN-ACK retransmitted for a request socket */
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_tcpretrans_event) == 64, "pb_tcpretrans_event layout");

namespace pb::probes::tools {
struct Tool;
// The tcpretrans row of the tool table.
const Tool& tcpretrans_tool();

}  // namespace pb::probes::tools
#endif

#endif
