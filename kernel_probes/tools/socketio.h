/* socketio: socket calls and bytes counted by (comm, pid, direction, protocol name,
 * remote port), as the book's socketio.bt, from sock:sock_send_length and
 * sock:sock_recv_length. Shared between socketio.bpf.c and socketio.cpp. */
#ifndef PB_TOOLS_SOCKETIO_H
#define PB_TOOLS_SOCKETIO_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

#ifndef PB_SOCK_READ
#define PB_SOCK_READ 0  /* sock_recv_length */
#define PB_SOCK_WRITE 1 /* sock_send_length */
#endif

#define PB_SOCKIO_PROTO_LEN 16 /* the first bytes of skc_prot->name ("TCP", "UDPv6", "UNIX", ...) */

struct pb_socketio_key {
	char comm[PB_TOOL_COMM_LEN];
	char proto[PB_SOCKIO_PROTO_LEN];
	__u32 pid;   /* tgid of the caller */
	__u16 rport; /* skc_dport, host order; 0 when unconnected */
	__u8 dir;    /* PB_SOCK_READ, PB_SOCK_WRITE */
	__u8 pad;
};

struct pb_socketio_value {
	__u64 calls;  /* every call, whatever it returned */
	__u64 bytes;  /* sum of the positive returns */
	__u64 errors; /* calls that returned -errno */
};

#define PB_SOCKETIO_MAX_KEYS 8192

#ifdef __cplusplus
static_assert(sizeof(struct pb_socketio_key) == 40, "pb_socketio_key layout");
static_assert(sizeof(struct pb_socketio_value) == 24, "pb_socketio_value layout");

namespace pb::probes::tools {
struct Tool;
// The socketio row of the tool table.
const Tool& socketio_tool();
}  // namespace pb::probes::tools
#endif

#endif
