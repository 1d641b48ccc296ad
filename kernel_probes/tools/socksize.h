/* socksize: the sizes of socket reads and writes (the positive returns of
 * sock:sock_recv_length and sock:sock_send_length, MSG_PEEK reads left out) as two
 * log-linear histograms, read and write, plus per-comm counts and totals (the book's
 * socksizestat.bt view). Shared between socksize.bpf.c and socksize.cpp. */
#ifndef PB_TOOLS_SOCKSIZE_H
#define PB_TOOLS_SOCKSIZE_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

#ifndef PB_SOCK_READ
#define PB_SOCK_READ 0  /* sock_recv_length */
#define PB_SOCK_WRITE 1 /* sock_send_length */
#endif

/* The hist map: index dir * PB_HIST_NBUCKETS + pb_hist_bucket(bytes). */

struct pb_socksize_key {
	char comm[PB_TOOL_COMM_LEN];
	__u32 dir; /* PB_SOCK_READ, PB_SOCK_WRITE */
	__u32 pad;
};

struct pb_socksize_value {
	__u64 count;
	__u64 bytes;
};

#define PB_SOCKSIZE_MAX_KEYS 4096

#ifdef __cplusplus
static_assert(sizeof(struct pb_socksize_key) == 24, "pb_socksize_key layout");
static_assert(sizeof(struct pb_socksize_value) == 16, "pb_socksize_value layout");

namespace pb::probes::tools {
struct Tool;
// The socksize row of the tool table.
const Tool& socksize_tool();
}  // namespace pb::probes::tools
#endif

#endif
