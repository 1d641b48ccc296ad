// SPDX-License-Identifier: GPL-2.0
/* XDP for test_tools_tcp.py: drops the DROP_NTH-th TCP segment with payload to port
 * DROP_PORT, once, so the sender has exactly that loss to repair (there is no netem on
 * the test kernels). Built by the test: clang -O2 -target bpf -DDROP_PORT=.. -DDROP_NTH=..
 * The `stats` map holds [0] data segments seen, [1] dropped. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

SEC("xdp")
int drop_nth(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	struct tcphdr *tcp = (void *)ip + ip->ihl * 4;
	if ((void *)(tcp + 1) > end || tcp->dest != bpf_htons(DROP_PORT))
		return XDP_PASS;
	int payload = (int)bpf_ntohs(ip->tot_len) - ip->ihl * 4 - tcp->doff * 4;
	if (payload <= 0)
		return XDP_PASS;
	__u32 seen = 0, dropped = 1;
	__u64 *n = bpf_map_lookup_elem(&stats, &seen), *d = bpf_map_lookup_elem(&stats, &dropped);
	if (!n || !d)
		return XDP_PASS;
	*n += 1;
	if (*n == DROP_NTH && *d == 0) {
		*d = 1;
		return XDP_DROP;
	}
	return XDP_PASS;
}
