// SPDX-License-Identifier: GPL-2.0
/* The xdp-live generator's frame stamper. Hook: XDP, run only through BPF_PROG_RUN
 * (live frames: 5.18+; plain test runs for the tests). Never attached to a device. */
#include "vmlinux.h"
#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "bench/core/payload.h"
#include "xdp_live_gen.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load. */
const volatile __u32 flows = 1;
const volatile __u16 src_port_base = 10000;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_xlg_cpu);
} cpu_state SEC(".maps");

/* max_entries is set to `flows` by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_xlg_flow);
} flow_state SEC(".maps");

SEC("xdp")
int xdp_live_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	struct pb_xlg_cpu *c = bpf_map_lookup_elem(&cpu_state, &zero);

	if (!c)
		return XDP_ABORTED;
	if (!c->active || data + PB_XLG_PAYLOAD_OFF + sizeof(struct pb_payload) > data_end) {
		c->rejected++;
		return XDP_DROP;
	}
	__u32 flow = c->cursor;
	__u32 next = flow + c->stride;
	c->cursor = next < flows ? next : c->first_flow;

	struct pb_xlg_flow *fs = bpf_map_lookup_elem(&flow_state, &flow);
	if (!fs) {
		c->rejected++;
		return XDP_DROP;
	}
	/* Live mode recycles pages without restoring the template, so every field this
	 * program owns is written on every run, the magic included. */
	struct pb_payload *tag = data + PB_XLG_PAYLOAD_OFF;
	tag->magic = PB_PAYLOAD_MAGIC;
	tag->flow = flow;
	tag->seq = fs->next_seq++;
	tag->tx_ns = bpf_ktime_get_ns(); /* CLOCK_MONOTONIC */
	__be16 *sport = data + PB_XLG_SRC_PORT_OFF;
	*sport = bpf_htons((__u16)(src_port_base + flow));
	c->stamped++;
	return XDP_TX;
}
