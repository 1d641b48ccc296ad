// SPDX-License-Identifier: GPL-2.0
/* spread: per (CPU, RX queue) counts of the DUT device's packets at skb birth and at
 * netif_receive_skb, RPS/RFS moves between the two, and napi_poll work vs budget.
 * Every hook comes as a tp_btf program (5.5+) with a raw_tp twin (4.17+) for kernels
 * whose BTF lacks the btf_trace_<event> typedef (PB_TWIN); the loader keeps one of each
 * pair. */
#include "vmlinux.h"
#include "common.bpf.h"
#include "spread.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load. */
const volatile __u32 dut_netns_ino = 0;
const volatile __s32 dut_ifindex = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_SPREAD_SLOTS);
	__type(key, __u32);
	__type(value, struct pb_spread_cell);
} cells SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_spread_totals);
} totals SEC(".maps");

/* skb address -> CPU of its birth, in a fixed array slot chosen by a hash of the address
 * (an LRU hash cost ~500 ns per update at these rates; an array slot ~20 ns). The slot
 * keeps the address, so a slot taken over by another skb is a miss (receive_unmatched),
 * never a wrong answer; every birth overwrites, because addresses are reused. */
struct birth {
	__u64 skb;
	__u32 cpu;
	__u32 gen; /* window_gen at birth: a birth seen before the hooks last detached is stale */
};

/* Bumped by the loader each time a sampling window opens (hooks attach). */
__u32 window_gen = 0;

#define PB_SPREAD_BIRTH_SLOTS 16384 /* power of two */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PB_SPREAD_BIRTH_SLOTS);
	__type(key, __u32);
	__type(value, struct birth);
} birth_cpu SEC(".maps");

/* The skb's address as a plain number: the verifier forbids arithmetic on the pointer
 * itself, so it is copied out through the stack. */
static __always_inline __u64 skb_addr(const struct sk_buff *skb)
{
	__u64 addr = 0;
	bpf_probe_read_kernel(&addr, sizeof(addr), &skb);
	return addr;
}

static __always_inline __u32 birth_slot(__u64 skb)
{
	/* skbs come from a slab: the low 8 bits are alignment. Fibonacci hashing spreads the rest. */
	return (__u32)(((skb >> 8) * 0x9E3779B97F4A7C15ull) >> 50) & (PB_SPREAD_BIRTH_SLOTS - 1);
}

static __always_inline bool on_dut(const struct net_device *dev)
{
	if (!dev)
		return false;
	return BPF_CORE_READ(dev, ifindex) == dut_ifindex && pb_dev_netns(dev) == dut_netns_ino;
}

/* 1 once the DUT device is known to be a veth, 2 once known to be something else. */
static __u32 dut_is_veth;

/* veth hands the peer's TX queue index over unchanged in queue_mapping (veth_xmit picks
 * rq[queue_mapping] and never calls skb_record_rx_queue), so there queue_mapping is the
 * RX queue itself. Elsewhere skb_get_rx_queue(): queue_mapping - 1 once the driver
 * recorded it (0 = not recorded). Unrecorded or out of range: the spare slot. */
static __always_inline __u32 rx_slot(const struct sk_buff *skb, const struct net_device *dev)
{
	if (!dut_is_veth) {
		char kind[8] = {};
		const char *k = BPF_CORE_READ(dev, rtnl_link_ops, kind);
		if (k)
			bpf_probe_read_kernel_str(kind, sizeof(kind), k);
		dut_is_veth = (kind[0] == 'v' && kind[1] == 'e' && kind[2] == 't' && kind[3] == 'h' && !kind[4]) ? 1 : 2;
	}
	__u32 qm = BPF_CORE_READ(skb, queue_mapping);
	if (dut_is_veth == 1)
		return qm < PB_SPREAD_MAX_QUEUES ? qm : PB_SPREAD_MAX_QUEUES;
	if (qm == 0 || qm > PB_SPREAD_MAX_QUEUES)
		return PB_SPREAD_MAX_QUEUES;
	return qm - 1;
}

/* This CPU's cell of the DUT RX queue skb came in on (dev: skb's device, on the DUT). */
static __always_inline struct pb_spread_cell *cell_of(const struct sk_buff *skb, const struct net_device *dev)
{
	__u32 slot = rx_slot(skb, dev);
	return bpf_map_lookup_elem(&cells, &slot);
}

/* The birth_cpu slot of the skb at `addr`. */
static __always_inline struct birth *birth_of(__u64 addr)
{
	__u32 slot = birth_slot(addr);
	return bpf_map_lookup_elem(&birth_cpu, &slot);
}

static __always_inline void on_birth(const struct sk_buff *skb)
{
	const struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (!on_dut(dev))
		return;
	struct pb_spread_cell *c = cell_of(skb, dev);
	if (c)
		c->birth++;
	__u64 addr = skb_addr(skb);
	struct birth *b = birth_of(addr);
	if (b) {
		b->skb = addr;
		b->cpu = bpf_get_smp_processor_id();
		b->gen = window_gen;
	}
}

static __always_inline void on_receive(const struct sk_buff *skb)
{
	const struct net_device *dev = BPF_CORE_READ(skb, dev);
	if (!on_dut(dev))
		return;
	struct pb_spread_cell *c = cell_of(skb, dev);
	if (c)
		c->receive++;
	__u32 zero = 0;
	struct pb_spread_totals *t = bpf_map_lookup_elem(&totals, &zero);
	if (!t)
		return;
	__u64 addr = skb_addr(skb);
	struct birth *b = birth_of(addr);
	if (!b || b->skb != addr || b->gen != window_gen) {
		t->receive_unmatched++;
		return;
	}
	if (b->cpu != bpf_get_smp_processor_id())
		t->rps_moved++;
	b->skb = 0;
}

/* net:napi_gro_receive_entry (4.19+): a NAPI driver hands an skb to GRO. */
PB_TWIN(sp_gro_entry, napi_gro_receive_entry, const struct sk_buff *skb) { on_birth(skb); return 0; }

/* net:netif_receive_skb_entry (4.19+): a driver calls netif_receive_skb() directly. */
PB_TWIN(sp_rcv_entry, netif_receive_skb_entry, const struct sk_buff *skb) { on_birth(skb); return 0; }

/* net:netif_receive_skb_list_entry (4.19+): netif_receive_skb_list(), once per skb. */
PB_TWIN(sp_list_entry, netif_receive_skb_list_entry, const struct sk_buff *skb) { on_birth(skb); return 0; }

/* net:netif_rx_entry (4.19+): netif_rx()/__netif_rx(), e.g. veth without NAPI. */
PB_TWIN(sp_rx_entry, netif_rx_entry, const struct sk_buff *skb) { on_birth(skb); return 0; }

/* net:netif_receive_skb (3.x+): __netif_receive_skb_core, on the CPU RPS chose. */
PB_TWIN(sp_receive, netif_receive_skb, struct sk_buff *skb) { on_receive(skb); return 0; }

/* napi:napi_poll (4.x+; work and budget since 4.5): after each poll of a NAPI instance. */
PB_TWIN(sp_napi_poll, napi_poll, struct napi_struct *napi, int work, int budget)
{
	if (!on_dut(BPF_CORE_READ(napi, dev)))
		return 0;
	__u32 zero = 0;
	struct pb_spread_totals *t = bpf_map_lookup_elem(&totals, &zero);
	if (!t)
		return 0;
	t->napi_polls++;
	if (work > 0)
		t->napi_work += work;
	if (budget > 0)
		t->napi_budget += budget;
	if (budget > 0 && work >= budget)
		t->napi_exhausted++;
	return 0;
}
