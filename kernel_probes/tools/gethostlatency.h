/* gethostlatency: host name lookups through libc (getaddrinfo, gethostbyname,
 * gethostbyname2) with their latency, the process and the name asked for, from a uprobe
 * and a uretprobe on each function, as the book's gethostlatency. Shared between
 * gethostlatency.bpf.c and gethostlatency.cpp. */
#ifndef PB_TOOLS_GETHOSTLATENCY_H
#define PB_TOOLS_GETHOSTLATENCY_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

#define PB_GETHOSTLAT_HOST_LEN 128   /* bytes of the name kept, NUL included */
#define PB_GETHOSTLAT_MAX_THREADS 10240 /* lookups in progress at once (one per thread) */

/* A lookup in progress, per thread. */
struct pb_gethostlat_start {
	__u64 ts_ns;  /* bpf_ktime_get_ns() at the call */
	__u64 pad;
	char host[PB_GETHOSTLAT_HOST_LEN];
};

struct pb_gethostlat_event {
	__u64 ts_ns;   /* at the return */
	__u64 lat_ns;  /* call to return */
	__u32 pid;     /* tgid */
	__u32 tid;
	char comm[PB_TOOL_COMM_LEN];
	char host[PB_GETHOSTLAT_HOST_LEN];
};

/* Counters (array, per CPU). */
enum {
	PB_GETHOSTLAT_UNTRACKED = 0, /* calls not timed: PB_GETHOSTLAT_MAX_THREADS lookups were in progress */
	PB_GETHOSTLAT_NCOUNTERS = 1,
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_gethostlat_start) == 144, "pb_gethostlat_start layout");
static_assert(sizeof(struct pb_gethostlat_event) == 168, "pb_gethostlat_event layout");

namespace pb::probes::tools {
struct Tool;
// The gethostlatency row of the tool table.
const Tool& gethostlatency_tool();
}  // namespace pb::probes::tools
#endif

#endif
