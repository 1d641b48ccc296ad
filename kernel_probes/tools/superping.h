/* superping: ICMP echo round trips timed in the kernel, as the book's superping: from the
 * echo request's handoff to the driver (net:net_dev_start_xmit) to the echo reply's entry
 * into the stack (net:netif_receive_skb), matched by (netns, family, peer, ID, sequence),
 * IPv4 and IPv6. Shared between superping.bpf.c and superping.cpp. */
#ifndef PB_TOOLS_SUPERPING_H
#define PB_TOOLS_SUPERPING_H

#ifndef __BPF__
#include <linux/types.h>
#endif

/* An echo request in flight. */
struct pb_superping_key {
	__u8 peer[16];  /* the request's destination = the reply's source; IPv4 in the first 4 bytes */
	__u32 netns;    /* netns inode of the device */
	__u16 family;   /* AF_INET, AF_INET6 */
	__u16 id;       /* ICMP echo identifier, host order */
	__u16 seq;      /* ICMP echo sequence, host order */
	__u16 pad;
};

struct pb_superping_event {
	__u64 ts_ns;    /* bpf_ktime_get_ns() at the reply's netif_receive_skb */
	__u64 rtt_ns;   /* from the request's net_dev_start_xmit */
	__u8 peer[16];
	__u32 netns;
	__u32 ifindex;  /* the device the reply arrived on */
	__u16 family;
	__u16 id;
	__u16 seq;
	__u16 pad;
};

/* Counters (array, per CPU). */
enum {
	PB_SUPERPING_REQUESTS = 0,  /* echo requests timed */
	PB_SUPERPING_UNTRACKED = 1, /* echo requests not timed: the table of requests in flight was full */
	PB_SUPERPING_UNMATCHED = 2, /* echo replies with no timed request (sent before the tool started, or not ours) */
	PB_SUPERPING_NCOUNTERS = 3,
};

#define PB_SUPERPING_MAX_INFLIGHT 16384 /* echo requests awaiting a reply */

#ifdef __cplusplus
static_assert(sizeof(struct pb_superping_key) == 28, "pb_superping_key layout");
static_assert(sizeof(struct pb_superping_event) == 48, "pb_superping_event layout");

namespace pb::probes::tools {
struct Tool;
// The superping row of the tool table.
const Tool& superping_tool();
}  // namespace pb::probes::tools
#endif

#endif
