/* sockstat: counts of socket(), socketpair(), bind(), connect(), accept(), accept4() calls
 * (syscall entry tracepoints) and of socket sends and receives (sock:sock_send_length,
 * sock:sock_recv_length: one per sock_sendmsg/sock_recvmsg, so per message of a
 * sendmmsg/recvmmsg), as the book's sockstat.bt. Shared between sockstat.bpf.c and
 * sockstat.cpp. */
#ifndef PB_TOOLS_SOCKSTAT_H
#define PB_TOOLS_SOCKSTAT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* Slots of the per-CPU counts array, in the order the summary rows show them. */
enum pb_sockstat_probe {
	PB_SOCKSTAT_SOCKET = 0,
	PB_SOCKSTAT_SOCKETPAIR,
	PB_SOCKSTAT_BIND,
	PB_SOCKSTAT_CONNECT,
	PB_SOCKSTAT_ACCEPT,
	PB_SOCKSTAT_ACCEPT4,
	PB_SOCKSTAT_SEND,
	PB_SOCKSTAT_RECV,
	PB_SOCKSTAT_NPROBES,
};

#ifdef __cplusplus
static_assert(PB_SOCKSTAT_NPROBES == 8, "pb_sockstat_probe slots");

namespace pb::probes::tools {
struct Tool;
// The sockstat row of the tool table.
const Tool& sockstat_tool();
}  // namespace pb::probes::tools
#endif

#endif
