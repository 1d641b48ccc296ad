/* udpconnect: one event per connect() on a UDP socket (sys_enter_connect, the fd walked to
 * its struct sock, sk_protocol == IPPROTO_UDP) to an IPv4 or IPv6 address, with the
 * destination read from the call's sockaddr, as the book's udpconnect.bt. Shared between
 * udpconnect.bpf.c and udpconnect.cpp. */
#ifndef PB_TOOLS_UDPCONNECT_H
#define PB_TOOLS_UDPCONNECT_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

struct pb_udpconnect_event {
	__u64 ts_ns;    /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) at the call */
	__u8 raddr[16]; /* destination; IPv4 in the first 4 bytes */
	__u32 pid;      /* tgid */
	__u32 netns;    /* netns inode of the socket */
	__u16 family;   /* of the address: AF_INET, AF_INET6 */
	__u16 rport;    /* host order */
	__u32 pad;
	char comm[PB_TOOL_COMM_LEN];
};

/* Slots of the per-CPU `misses` array. */
enum pb_udpconnect_miss {
	PB_UDPCONNECT_UNREADABLE = 0, /* UDP connects whose address could not be read from user memory */
	PB_UDPCONNECT_NMISSES,
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_udpconnect_event) == 56, "pb_udpconnect_event layout");

namespace pb::probes::tools {
struct Tool;
// The udpconnect row of the tool table.
const Tool& udpconnect_tool();
}  // namespace pb::probes::tools
#endif

#endif
