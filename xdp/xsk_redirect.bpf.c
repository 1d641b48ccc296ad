// SPDX-License-Identifier: GPL-2.0
/* XDP hook (native or generic), any kernel with XSKMAP and bpf_redirect_map()'s fallback
 * action in the flags (5.3+); the redirect into a socket can still fail after we return
 * (ring full, fill ring empty): that shows in the socket's XDP_STATISTICS, not here. */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

#include "xdp/xsk_redirect.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, PB_XSK_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_XSK_MAX_QUEUES);
	__type(key, __u32);
	__type(value, struct pb_xsk_counts);
} counts SEC(".maps");

SEC("xdp")
int xsk_redirect(struct xdp_md *ctx)
{
	__u32 qid = ctx->rx_queue_index;
	__u32 slot = qid < PB_XSK_MAX_QUEUES ? qid : PB_XSK_MAX_QUEUES - 1;
	struct pb_xsk_counts *c = bpf_map_lookup_elem(&counts, &slot);
	/* XDP_DROP as the fallback: a frame no socket takes is a counted drop, not a
	 * packet that silently reaches the kernel stack. */
	long act = bpf_redirect_map(&xsks, qid, XDP_DROP);

	if (c) {
		if (act == XDP_REDIRECT)
			c->redirected++;
		else
			c->fallback++;
	}
	return act;
}

char LICENSE[] SEC("license") = "GPL";
