/* skbdrop: every kfree_skb drop (skb:kfree_skb with its reason) as an event with its
 * location, netns, device, protocol and kernel stack, plus exact counts by (reason,
 * location). Shared between skbdrop.bpf.c and skbdrop.cpp. */
#ifndef PB_TOOLS_SKBDROP_H
#define PB_TOOLS_SKBDROP_H

#ifndef __BPF__
#include <linux/types.h>
#endif

struct pb_skbdrop_event {
	__u64 location;  /* kernel text address of the kfree_skb caller */
	__u32 reason;    /* enum skb_drop_reason of the running kernel */
	__u32 netns;     /* netns inode of the skb's device, else of its socket; 0: unknown */
	__u32 ifindex;   /* the skb's device, else the one it arrived on (skb_iif); 0: unknown */
	__s32 stack_id;  /* key in the stacks map, or the -errno of bpf_get_stackid */
	__u16 protocol;  /* skb->protocol (ethertype), host order; 0: unknown */
	__u16 pad;
	__u32 pad2;
};

struct pb_skbdrop_key {
	__u64 location;
	__u32 reason;
	__u32 pad;
};

#define PB_SKBDROP_MAX_KEYS 4096
#define PB_SKBDROP_STACKS 1024     /* distinct kernel stacks kept */
#define PB_SKBDROP_STACK_DEPTH 127 /* frames per stack (kernel.perf_event_max_stack's default) */

#ifdef __cplusplus
static_assert(sizeof(struct pb_skbdrop_event) == 32, "pb_skbdrop_event layout");
static_assert(sizeof(struct pb_skbdrop_key) == 16, "pb_skbdrop_key layout");

namespace pb::probes::tools {
struct Tool;
// The skbdrop row of the tool table.
const Tool& skbdrop_tool();
}  // namespace pb::probes::tools
#endif

#endif
