/* tcpsynbl: the accept-queue length a listener had at each new connection, per queue
 * limit (the book's @backlog[sk_max_ack_backlog] = hist(sk_ack_backlog)), counted in the
 * kernel from sock:inet_sock_set_state LISTEN->SYN_RECV: the child socket is cloned from
 * the listener and carries its sk_ack_backlog/sk_max_ack_backlog. SYNs dropped on a full
 * queue create no child; they come from the netns' TcpExt counters. Shared between
 * tcpsynbl.bpf.c and tcpsynbl.cpp. */
#ifndef PB_TOOLS_TCPSYNBL_H
#define PB_TOOLS_TCPSYNBL_H

#ifndef __BPF__
#include <linux/types.h>
#endif

struct pb_tcpsynbl_key {
	__u32 limit;   /* sk_max_ack_backlog */
	__u32 backlog; /* sk_ack_backlog when the child was made */
};

#define PB_TCPSYNBL_MAX_KEYS 8192 /* distinct (limit, backlog) pairs counted */

#ifdef __cplusplus
static_assert(sizeof(struct pb_tcpsynbl_key) == 8, "pb_tcpsynbl_key layout");

namespace pb::probes::tools {
struct Tool;
// The tcpsynbl row of the tool table.
const Tool& tcpsynbl_tool();
}  // namespace pb::probes::tools
#endif

#endif
