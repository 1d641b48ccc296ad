/* sofamily: connect() and accept() counts by task name and address family, as the book's
 * sofamily.bt: connects at syscall entry by the family of the address asked for,
 * accepts at syscall exit (the ones that returned a socket) by the family of that socket.
 * Shared between sofamily.bpf.c and sofamily.cpp. */
#ifndef PB_TOOLS_SOFAMILY_H
#define PB_TOOLS_SOFAMILY_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

enum pb_so_call {
	PB_SO_CONNECT = 0,
	PB_SO_ACCEPT = 1,
};

struct pb_sofamily_key {
	char comm[PB_TOOL_COMM_LEN];
	__u16 family; /* AF_* */
	__u8 call;    /* enum pb_so_call */
	__u8 pad;
	__u32 pad2;
};

/* Slots of the per-CPU `misses` array. */
enum pb_sofamily_miss {
	PB_SOFAMILY_FULL = 0,       /* calls not counted: the counts map was full */
	PB_SOFAMILY_FROM_SOCK = 1,  /* connects whose address was unreadable: the socket's family counted */
	PB_SOFAMILY_UNKNOWN = 2,    /* connects with neither a readable address nor a socket: family 0 counted */
	PB_SOFAMILY_NMISSES,
};

#define PB_SOFAMILY_MAX_KEYS 4096

#ifdef __cplusplus
static_assert(sizeof(struct pb_sofamily_key) == 24, "pb_sofamily_key layout");

namespace pb::probes::tools {
struct Tool;
// The sofamily row of the tool table.
const Tool& sofamily_tool();
}  // namespace pb::probes::tools
#endif

#endif
