/* ipecn: IP packets received with ECN "Congestion Experienced" (the book's "ECN CE from:"
 * lines), read from the IP header at net:netif_receive_skb, with exact per-codepoint
 * counts (Not-ECT, ECT(1), ECT(0), CE) for IPv4 and IPv6. Shared between ipecn.bpf.c and
 * ipecn.cpp. */
#ifndef PB_TOOLS_IPECN_H
#define PB_TOOLS_IPECN_H

#ifndef __BPF__
#include <linux/types.h>
#endif

struct pb_ipecn_event {
	__u64 ts_ns;     /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) at netif_receive_skb */
	__u8 saddr[16];  /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u32 ifindex;   /* the receiving device */
	__u32 netns;     /* its netns inode */
	__u32 packets;   /* 1, or the segments of a GRO aggregate (skb_shinfo gso_segs) */
	__u16 family;    /* AF_INET, AF_INET6 */
	__u16 pad;
};

/* The counts map: index family * 4 + codepoint, family 0 = IPv4, 1 = IPv6; codepoint the
 * two ECN bits (0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE). Packets, per CPU. */
#define PB_IPECN_NCOUNTS 8

#ifdef __cplusplus
static_assert(sizeof(struct pb_ipecn_event) == 56, "pb_ipecn_event layout");

namespace pb::probes::tools {
struct Tool;
// The ipecn row of the tool table.
const Tool& ipecn_tool();
}  // namespace pb::probes::tools
#endif

#endif
