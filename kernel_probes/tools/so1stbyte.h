/* so1stbyte: per task name, the time from connect() to the first read that returns data
 * on that socket (the book's so1stbyte.bt: sys_enter_connect, a connect that succeeded or
 * is in progress, then the first sys_exit_read/readv/recvfrom/recvmsg/recvmmsg > 0 on the
 * same process and fd). Shared between so1stbyte.bpf.c and so1stbyte.cpp. */
#ifndef PB_TOOLS_SO1STBYTE_H
#define PB_TOOLS_SO1STBYTE_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

struct pb_so1stbyte_event {
	__u64 lat_ns; /* sys_enter_connect -> the first read's exit */
	__u32 pid;    /* tgid */
	__s32 fd;
	char comm[PB_TOOL_COMM_LEN]; /* the reading task */
};

/* A connected socket waiting for its first byte. */
struct pb_so1stbyte_key {
	__u32 pid; /* tgid */
	__s32 fd;
};

#define PB_SO1STBYTE_SOCKS 16384 /* sockets waiting for their first byte at once; beyond, counted */

/* Counters (so1stbyte.bpf.c `counts`, per CPU). */
enum pb_so1stbyte_count {
	PB_SO1STBYTE_FULL = 0,         /* connected sockets not followed: table full */
	PB_SO1STBYTE_CLOSED = 1,       /* closed before any read returned data */
	PB_SO1STBYTE_READING_FULL = 2, /* reads on a waiting socket not followed: table full */
	PB_SO1STBYTE_NCOUNTS = 3,
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_so1stbyte_event) == 32, "pb_so1stbyte_event layout");
static_assert(sizeof(struct pb_so1stbyte_key) == 8, "pb_so1stbyte_key layout");

namespace pb::probes::tools {
struct Tool;
// The so1stbyte row of the tool table.
const Tool& so1stbyte_tool();
}  // namespace pb::probes::tools
#endif

#endif
