/* soprotocol: connect() and accept() counts by task name, IP protocol, socket type and
 * protocol name (sk->sk_protocol, sk->sk_type, sk->__sk_common.skc_prot->name), as the
 * book's soprotocol.bt but on the syscall tracepoints: connects at entry (the socket of
 * the fd), accepts at exit (the socket they returned). Shared between soprotocol.bpf.c and
 * soprotocol.cpp. */
#ifndef PB_TOOLS_SOPROTOCOL_H
#define PB_TOOLS_SOPROTOCOL_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

#define PB_SOPROTOCOL_NAME_LEN 32 /* struct proto's name[32] */

struct pb_soprotocol_key {
	char comm[PB_TOOL_COMM_LEN];
	char name[PB_SOPROTOCOL_NAME_LEN]; /* skc_prot->name: "TCP", "UDPv6", "UNIX-STREAM", ... */
	__u16 protocol; /* sk_protocol: IPPROTO_* for inet sockets, 0 for unix */
	__u16 type;     /* sk_type: SOCK_STREAM, SOCK_DGRAM, ... */
	__u8 call;      /* 0 connect, 1 accept */
	__u8 pad;
	__u16 pad2;
};

/* Slots of the per-CPU `misses` array. */
enum pb_soprotocol_miss {
	PB_SOPROTOCOL_FULL = 0,    /* calls not counted: the counts map was full */
	PB_SOPROTOCOL_NOSOCK = 1,  /* connects on an fd that is not a socket (ENOTSOCK, EBADF) */
	PB_SOPROTOCOL_NMISSES,
};

#define PB_SOPROTOCOL_MAX_KEYS 4096

#ifdef __cplusplus
static_assert(sizeof(struct pb_soprotocol_key) == 56, "pb_soprotocol_key layout");

namespace pb::probes::tools {
struct Tool;
// The soprotocol row of the tool table.
const Tool& soprotocol_tool();
}  // namespace pb::probes::tools
#endif

#endif
