/* ieee80211scan: wifi scans as the book's ieee80211scan shows them (scan started, each
 * channel/BSS seen, scan done with its duration), from the cfg80211 tracepoints
 * (cfg80211:rdev_scan, cfg80211:cfg80211_inform_bss_frame, cfg80211:cfg80211_scan_done).
 * A kernel without the wifi stack (CONFIG_CFG80211 off) has none of them: the tool then
 * says so and does not load. Shared between ieee80211scan.bpf.c and ieee80211scan.cpp. */
#ifndef PB_TOOLS_IEEE80211SCAN_H
#define PB_TOOLS_IEEE80211SCAN_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#include "tool_limits.h"

enum {
	PB_SCAN_START = 0, /* cfg80211:rdev_scan: a scan request handed to the driver */
	PB_SCAN_BSS = 1,   /* cfg80211:cfg80211_inform_bss_frame: a beacon/probe response reported */
	PB_SCAN_DONE = 2,  /* cfg80211:cfg80211_scan_done */
};

struct pb_ieee80211scan_event {
	__u64 ts_ns;       /* bpf_ktime_get_ns() */
	__u64 span_ns;     /* PB_SCAN_DONE: since its PB_SCAN_START; 0 when the start was not seen */
	__u32 kind;        /* PB_SCAN_* */
	__u32 pid;         /* the task on the CPU (tgid) */
	__u32 n_channels;  /* START, DONE: channels in the request */
	__u32 freq;        /* BSS: channel center frequency, MHz */
	__s32 signal;      /* BSS: signal strength as the driver gives it (mBm for most) */
	__u32 band;        /* BSS: enum nl80211_band */
	__u32 aborted;     /* DONE: 1 when the scan was aborted */
	__u32 pad;
	char comm[PB_TOOL_COMM_LEN];
};

#define PB_IEEE80211SCAN_MAX_SCANS 64 /* scans in progress at once */

#ifdef __cplusplus
static_assert(sizeof(struct pb_ieee80211scan_event) == 64, "pb_ieee80211scan_event layout");

namespace pb::probes::tools {
struct Tool;
// The ieee80211scan row of the tool table.
const Tool& ieee80211scan_tool();
}  // namespace pb::probes::tools
#endif

#endif
