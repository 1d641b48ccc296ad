// SPDX-License-Identifier: GPL-2.0
/* The XDP verdict programs on the DUT's ingress: xdp_drop, xdp_pass, xdp_tx and
 * xdp_redirect share one always-inline core that counts every frame by RX queue (per CPU)
 * and records the latency of pathbench-tagged frames into a log-linear histogram.
 * SEC("xdp") programs (4.8+); the CPUMAP value struct bpf_cpumap_val needs 5.9+. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "bench/core/histogram_buckets.h"
#include "bench/core/payload.h"
#include "xdp/xdp_verdict.h"

char LICENSE[] SEC("license") = "GPL";

#define PB_ETH_P_IP 0x0800
#define PB_IPPROTO_UDP 17
#define PB_ETH_ALEN 6

/* Set by the loader between open and load. */
const volatile __u32 use_cpumap = 0;  /* xdp_redirect: 0 = through tx_port (DEVMAP), 1 = through cpu_map */
const volatile __u32 cpumap_cpu = 0;  /* xdp_redirect with use_cpumap: the CPU to hand frames to */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_XV_MAX_QUEUES);
	__type(key, __u32);
	__type(value, struct pb_xv_counts);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} latency SEC(".maps");

/* One slot (key 0): the egress ifindex, written by the loader after load. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tx_port SEC(".maps");

/* Keyed by CPU; the loader sizes it to the possible CPUs and fills the configured one. */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpu_map SEC(".maps");

/* Returns 1 for a tagged frame (latency recorded), 0 for a whole untagged UDP datagram,
 * -1 for a malformed frame. Every access is bounds-checked against data_end. */
static __always_inline int parse_and_time(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return -1;
	if (eth->h_proto != bpf_htons(PB_ETH_P_IP))
		return -1;

	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return -1;
	__u32 ihl_bytes = ip->ihl * 4;
	if (ihl_bytes < sizeof(*ip))
		return -1;
	if (ip->protocol != PB_IPPROTO_UDP)
		return -1;
	if (ip->frag_off & bpf_htons(0x1fff))
		return -1;
	/* ihl is 4 bits, so ihl_bytes <= 60: the verifier sees a bounded variable offset. */
	struct udphdr *udp = (void *)ip + ihl_bytes;
	if ((void *)(udp + 1) > data_end)
		return -1;

	struct pb_payload *tag = (void *)(udp + 1);
	if ((void *)(tag + 1) > data_end)
		return 0;
	if (tag->magic != PB_PAYLOAD_MAGIC)
		return 0;

	__u64 now = bpf_ktime_get_ns();
	__u64 tx_ns = tag->tx_ns;
	/* A stamp from the future (another clock, a forged frame) counts as 0, not 2^64. */
	__u64 lat = now > tx_ns ? now - tx_ns : 0;
	__u32 bucket = pb_hist_bucket(lat);
	__u64 *slot = bpf_map_lookup_elem(&latency, &bucket);
	if (slot)
		*slot += 1;
	return 1;
}

/* Sends the frame back where it came from (to the TG) with the MACs swapped; a frame too
 * short for an Ethernet header goes back as it is. */
static __always_inline int verdict_tx(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) <= data_end) {
		unsigned char tmp[PB_ETH_ALEN];
		__builtin_memcpy(tmp, eth->h_dest, PB_ETH_ALEN);
		__builtin_memcpy(eth->h_dest, eth->h_source, PB_ETH_ALEN);
		__builtin_memcpy(eth->h_source, tmp, PB_ETH_ALEN);
	}
	return XDP_TX;
}

/* An empty map slot makes bpf_redirect_map return XDP_ABORTED (flags 0), which the driver
 * reports through xdp:xdp_exception: a misconfigured target shows up, it is not hidden. */
static __always_inline int verdict_redirect(void)
{
	if (use_cpumap)
		return bpf_redirect_map(&cpu_map, cpumap_cpu, 0);
	return bpf_redirect_map(&tx_port, 0, 0);
}

/* The shared core: parse and time, take the program's verdict `want`, count. ctx->data and
 * ctx->data_end are read once here: helpers that reload them from ctx let clang fold the
 * two loads into one modified ctx pointer, which the verifier rejects. */
static __always_inline int count_frame(struct xdp_md *ctx, const int want)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 len = data_end - data;

	int kind = parse_and_time(data, data_end);
	int act = want;
	if (want == XDP_TX)
		act = verdict_tx(data, data_end);
	else if (want == XDP_REDIRECT)
		act = verdict_redirect();

	__u32 q = ctx->rx_queue_index;
	if (q >= PB_XV_MAX_QUEUES)
		q = PB_XV_MAX_QUEUES - 1;
	struct pb_xv_counts *c = bpf_map_lookup_elem(&counts, &q);
	if (!c)
		return act;
	c->packets++;
	c->bytes += len;
	if (act >= 0 && act < PB_XV_NVERDICTS)
		c->verdict[act]++;
	if (kind > 0)
		c->tagged++;
	else if (kind < 0)
		c->malformed++;
	return act;
}

/* One program per verdict, each the shared core with its `want` (the loader loads one). */
#define PB_XV_PROG(name, want) \
	SEC("xdp") int name(struct xdp_md *ctx) { return count_frame(ctx, want); }

PB_XV_PROG(xdp_drop, XDP_DROP)
PB_XV_PROG(xdp_pass, XDP_PASS)
PB_XV_PROG(xdp_tx, XDP_TX)
PB_XV_PROG(xdp_redirect, XDP_REDIRECT)
