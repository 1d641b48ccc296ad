/* soaccept: one event per accept()/accept4() on an inet socket (syscalls:sys_enter_accept*
 * -> sys_exit_accept*), with the peer from the call's sockaddr after the call, or from the
 * new socket (fd walk) when the caller passed none, and the result, as the book's
 * soaccept.bt. Shared between soaccept.bpf.c and soaccept.cpp. */
#ifndef PB_TOOLS_SOACCEPT_H
#define PB_TOOLS_SOACCEPT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

struct pb_soaccept_event {
	__s32 ret;       /* the new fd, or -errno */
	__u32 pid;       /* tgid */
	__u32 netns;     /* netns inode of the listening socket */
	__u16 family;    /* the peer's family (the listener's when the accept failed) */
	__u16 port;      /* peer port, host order; 0 when the accept failed */
	__u8 addr[16];   /* peer address; IPv4 in the first 4 bytes */
	char comm[PB_TOOL_COMM_LEN];
	__u8 peer_known; /* 1: addr/port hold the peer (the accept succeeded) */
	__u8 pad[7];
};

/* An accept between entry and exit. */
struct pb_soaccept_start {
	__u64 upeer;     /* upeer_sockaddr: user pointer, may be 0 */
	__u32 netns;
	__u16 family;    /* the listener's */
	__u16 lport;
};

#define PB_SOACCEPT_THREADS 8192 /* accepts in flight at once, one per thread; beyond, counted */

#ifdef __cplusplus
static_assert(sizeof(struct pb_soaccept_event) == 56, "pb_soaccept_event layout");
static_assert(sizeof(struct pb_soaccept_start) == 16, "pb_soaccept_start layout");

#include <string>

namespace pb::probes::tools {
struct Tool;
// The soaccept row of the tool table.
const Tool& soaccept_tool();
// accept()'s result as the seed's soaccept.bt words it: "Success" for a new fd, else the
// errno's name ("EAGAIN"), else "error N".
std::string accept_result(int ret);
}  // namespace pb::probes::tools
#endif

#endif
