/* soconnlat: connect() latency per task name, two ways: the syscall as the book's
 * soconnlat.bt times it (sys_enter_connect -> sys_exit_connect; a non-blocking connect that
 * returns EINPROGRESS -> the thread's next poll/select/epoll return > 0), and the kernel's
 * handshake (sock:inet_sock_set_state SYN_SENT at connect -> ESTABLISHED or CLOSE, keyed
 * by the socket, as bcc's tcpconnlat). Shared between soconnlat.bpf.c and soconnlat.cpp. */
#ifndef PB_TOOLS_SOCONNLAT_H
#define PB_TOOLS_SOCONNLAT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

/* What a measurement is. */
enum pb_soconnlat_kind {
	PB_SOCONNLAT_CONNECT = 0,   /* connect() returned (done, or failed) */
	PB_SOCONNLAT_POLLED = 1,    /* connect() returned EINPROGRESS; the thread's poll/select/epoll then returned > 0 */
	PB_SOCONNLAT_HANDSHAKE = 2, /* SYN_SENT -> ESTABLISHED */
	PB_SOCONNLAT_REFUSED = 3,   /* SYN_SENT -> CLOSE (reset, refused, timed out) */
};

struct pb_soconnlat_event {
	__u64 lat_ns;
	__u32 pid;   /* tgid: the connecting process */
	__s32 ret;   /* PB_SOCONNLAT_CONNECT: connect's return (0 or -errno); else 0 */
	__u32 kind;  /* enum pb_soconnlat_kind */
	__u32 pad;
	char comm[PB_TOOL_COMM_LEN]; /* the connecting task */
};

/* A socket between SYN_SENT and its next state. */
struct pb_soconnlat_syn {
	__u64 start_ns;
	__u32 pid;
	__u32 pad;
	char comm[PB_TOOL_COMM_LEN];
};

#define PB_SOCONNLAT_SOCKS 16384 /* handshakes in flight at once; beyond, counted */

/* Counters (soconnlat.bpf.c `counts`, per CPU). */
enum pb_soconnlat_count {
	PB_SOCONNLAT_INPROGRESS_FULL = 0, /* EINPROGRESS connects not followed: table full */
	PB_SOCONNLAT_SYN_FULL = 1,        /* handshakes not followed: table full */
	PB_SOCONNLAT_NCOUNTS = 2,
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_soconnlat_event) == 40, "pb_soconnlat_event layout");
static_assert(sizeof(struct pb_soconnlat_syn) == 32, "pb_soconnlat_syn layout");

namespace pb::probes::tools {
struct Tool;
// The soconnlat row of the tool table.
const Tool& soconnlat_tool();
}  // namespace pb::probes::tools
#endif

#endif
