/* skblife: how long skbs live, from the slab allocation of the sk_buff (kmem:kmem_cache_alloc
 * on skbuff_head_cache; fclones by their allocation in __alloc_skb, whose cache is
 * slab-merged and named after another here) to the first end event of that address:
 * skb:consume_skb, skb:kfree_skb or kmem:kmem_cache_free. Histogram filled in BPF.
 * Shared between skblife.bpf.c and skblife.cpp. */
#ifndef PB_TOOLS_SKBLIFE_H
#define PB_TOOLS_SKBLIFE_H

#ifndef __BPF__
#include <linux/types.h>
#endif

#define PB_SKBLIFE_MAX_SKBS 65536 /* skbs alive at once that are followed (LRU beyond: counted as unseen ends) */
#define PB_SKBLIFE_NAME_LEN 20    /* enough for "skbuff_head_cache" and "skbuff_small_head" */

struct pb_skblife_birth {
	__u64 ts_ns;
	__u32 fclone; /* 1: from the fclone cache */
	__u32 pad;
};

/* Counters (per-CPU array indices). */
enum pb_skblife_counter {
	PB_SKBLIFE_BORN = 0,     /* sk_buffs allocated from skbuff_head_cache */
	PB_SKBLIFE_BORN_FCLONE,  /* fclone pairs allocated in __alloc_skb */
	PB_SKBLIFE_CONSUMED,     /* lives ended by consume_skb (timed) */
	PB_SKBLIFE_DROPPED,      /* lives ended by kfree_skb (timed) */
	PB_SKBLIFE_SLAB_FREED,   /* lives ended by kmem_cache_free without a consume/kfree event first (timed) */
	PB_SKBLIFE_UNSEEN,       /* an address allocated again while alive here: its end had no event (not timed) */
	PB_SKBLIFE_NCOUNTERS,
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_skblife_birth) == 16, "pb_skblife_birth layout");

namespace pb::probes::tools {
struct Tool;
// The skblife row of the tool table.
const Tool& skblife_tool();
}  // namespace pb::probes::tools
#endif

#endif
