/* soconnect: one event per connect(2) to an inet address (syscalls:sys_enter_connect ->
 * sys_exit_connect), with the destination from the call's sockaddr, the time spent in the
 * syscall and its result, as the book's soconnect.bt. Shared between soconnect.bpf.c and
 * soconnect.cpp. */
#ifndef PB_TOOLS_SOCONNECT_H
#define PB_TOOLS_SOCONNECT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

/* connect()s followed between entry and exit at once, one per thread (so_connect.bpf.h:
 * soconnect, soconnlat and so1stbyte); beyond, counted and reported. */
#define PB_SO_CONNECT_THREADS 8192

struct pb_soconnect_event {
	__u64 lat_ns;    /* sys_enter_connect -> sys_exit_connect */
	__s32 ret;       /* 0 or -errno (-EINPROGRESS for a non-blocking connect) */
	__u32 pid;       /* tgid */
	__u32 netns;     /* netns inode of the socket (else of the task) */
	__u16 family;    /* AF_INET, AF_INET6 (uservaddr's sa_family) */
	__u16 port;      /* destination port, host order */
	__u8 addr[16];   /* destination address; IPv4 in the first 4 bytes */
	char comm[PB_TOOL_COMM_LEN];
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_soconnect_event) == 56, "pb_soconnect_event layout");

#include <string>

namespace pb::probes::tools {
struct Tool;
// The soconnect row of the tool table.
const Tool& soconnect_tool();
// connect()'s result as the book's soconnect.bt words it: 0 "Success", -EINPROGRESS
// "In progress", -ECONNREFUSED "Connect refused", ...; an errno it does not word by its
// name ("ENOENT"), else "error N".
std::string connect_result(int ret);
}  // namespace pb::probes::tools
#endif

#endif
