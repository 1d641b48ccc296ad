// SPDX-License-Identifier: GPL-2.0
/* Per-stage latency of the kernel-udp path (see stages.h for the stages and keys).
 * Every hook has a tp_btf program (5.5+, typed arguments read directly) and a raw_tp twin
 * (4.17+, the same body reading through bpf_probe_read_kernel), both from one PB_TWIN; the
 * loader attaches one of the two per hook. The syscall entries are classic tracepoints
 * (syscalls:sys_enter_*, no BTF typedef exists for them); the loader keeps them attached
 * for a whole trial, not per sampling window: detaching one waits for an RCU tasks-trace
 * grace period (~50 ms here), and they cost per syscall, not per packet. Event prototypes
 * as on 6.18 (seed-tools.md §3.1). */
#include "vmlinux.h"
#include "common.bpf.h"
#include <bpf/bpf_endian.h>
#include "bench/core/histogram_buckets.h"
#include "bench/core/payload.h"
#include "stages.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader between open and load (0: that side is not measured / no ifindex check). */
const volatile __u32 dut_netns_ino = 0;
const volatile __u32 tg_netns_ino = 0;
const volatile __s32 dut_ifindex = 0;
const volatile __s32 tg_ifindex = 0;
/* kernel-tcp run: R4 starts the TCP stages (by skb address) instead of the tagged UDP ones. */
const volatile __u32 tcp_mode = 0;

/* The TG link's root qdisc kind, read once per trial (the loader clears tx_qdisc_seen). */
char tx_root_qdisc[16] = {};
__u32 tx_qdisc_seen = 0;
/* The sampling window: the loader attaches every program, then bumps window_gen and sets
 * window_open, and clears window_open before detaching, so that all hooks open and close
 * together (links attach one by one: a FIFO counted on one side only would misalign). */
__u32 window_gen = 0;
__u32 window_open = 0;

/* Per-packet state, direct-mapped by tag (see pkt_index): no allocation, no lock, and a
 * newer packet overwrites an older one on a collision the way an LRU would evict it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PB_STG_MAX_PKTS);
	__type(key, __u32);
	__type(value, struct pb_stg_pkt);
} pkts SEC(".maps");

/* Index stage * PB_HIST_NBUCKETS + pb_hist_bucket(delta). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_STG_COUNT * PB_HIST_NBUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

/* Per stage: end events of a tagged in-scope packet without a usable start. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_STG_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} misses SEC(".maps");

/* pid_tgid -> start of the thread's next datagram (T0/T1). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_STG_MAX_THREADS);
	__type(key, __u64);
	__type(value, struct pb_stg_thread);
} tx_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_stg_xmit);
} xmit_slot SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_STG_MAX_SOCKETS);
	__type(key, __u64);
	__type(value, struct pb_stg_sockq);
} sockq SEC(".maps");

/* A zeroed pb_stg_sockq to create entries from (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_stg_sockq);
} sockq_zero SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PB_STG_MAX_TCP_SKBS);
	__type(key, __u64);
	__type(value, struct pb_stg_tcp);
} tcp_skbs SEC(".maps");

/* Field read: a direct (BTF-checked) load in tp_btf programs, bpf_probe_read_kernel in the
 * raw_tp twins. `btf` is a constant after inlining, so the other branch is never emitted. */
#define RD(btf, p, ...) ((btf) ? (p)->__VA_ARGS__ : BPF_CORE_READ(p, __VA_ARGS__))

static __always_inline void record(__u32 stage, __u64 delta)
{
	__u32 idx;
	__u64 *v;
	if (delta > PB_STG_MAX_DELTA_NS) {
		v = bpf_map_lookup_elem(&misses, &stage);
		if (v)
			(*v)++;
		return;
	}
	idx = stage * PB_HIST_NBUCKETS + pb_hist_bucket(delta);
	v = bpf_map_lookup_elem(&hist, &idx);
	if (v)
		(*v)++;
}

static __always_inline void miss(__u32 stage)
{
	__u64 *v = bpf_map_lookup_elem(&misses, &stage);
	if (v)
		(*v)++;
}

/* The end event of `stage` at `now` for a start at `start` (0: no usable start seen):
 * records now - start, or a miss when there is no start or it lies after now. Returns
 * whether it recorded; callers that then update the start's owner test the owner's pointer
 * again, because the verifier does not see that a recorded start implies one. */
static __always_inline bool stage_end(__u32 stage, __u64 start, __u64 now)
{
	if (!start || start > now) {
		miss(stage);
		return false;
	}
	record(stage, now - start);
	return true;
}

/* IPv4 without options + UDP + the first 16 bytes of struct pb_payload. */
struct pb_stg_wire {
	__u8 vihl;
	__u8 tos;
	__u16 tot_len;
	__u16 id;
	__u16 frag;
	__u8 ttl;
	__u8 proto;
	__u16 check;
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u16 ulen;
	__u16 ucheck;
	__u32 magic;
	__u32 flow;
	__u64 seq;  /* at IP + 36: not 8-aligned, hence packed */
} __attribute__((packed));

/* The tag of an unfragmented IPv4/UDP datagram whose IP header starts at kernel address
 * `ip`; -1 for anything else (options, other protocols, untagged payloads). */
static __always_inline int tag_at_ip(__u64 ip, struct pb_stg_key *key)
{
	struct pb_stg_wire w;
	if (!ip || bpf_probe_read_kernel(&w, sizeof(w), (const void *)ip))
		return -1;
	if (w.vihl != 0x45 || w.proto != IPPROTO_UDP || (w.frag & bpf_htons(0x3fff)) || w.magic != PB_PAYLOAD_MAGIC)
		return -1;
	key->flow = w.flow;
	key->gen = window_gen;
	key->seq = w.seq;
	return 0;
}

/* The tag from the UDP payload at skb->head + transport_header + 8 (set on TX by UDP,
 * on RX by ip_rcv_core). */
static __always_inline int tag_at_transport(__u64 head, __u16 th, struct pb_stg_key *key)
{
	struct { __u32 magic; __u32 flow; __u64 seq; } t;
	if (!head || th == (__u16)~0U || bpf_probe_read_kernel(&t, sizeof(t), (const void *)(head + th + 8)))
		return -1;
	if (t.magic != PB_PAYLOAD_MAGIC)
		return -1;
	key->flow = t.flow;
	key->gen = window_gen;
	key->seq = t.seq;
	return 0;
}

static __always_inline __u32 pkt_index(const struct pb_stg_key *key)
{
	return ((__u32)key->seq + key->flow * 0x9E3779B1u) & (PB_STG_MAX_PKTS - 1);
}

/* The state of the packet `key`, or NULL when its slot holds another packet. */
static __always_inline struct pb_stg_pkt *pkt_find(const struct pb_stg_key *key)
{
	__u32 idx = pkt_index(key);
	struct pb_stg_pkt *p = bpf_map_lookup_elem(&pkts, &idx);
	if (!p || p->key.seq != key->seq || p->key.flow != key->flow || p->key.gen != key->gen)
		return 0;
	return p;
}

/* Birth: the slot of `key`, taken over (and fully reset) if it held another packet. */
static __always_inline struct pb_stg_pkt *pkt_claim(const struct pb_stg_key *key)
{
	__u32 idx = pkt_index(key);
	struct pb_stg_pkt *p = bpf_map_lookup_elem(&pkts, &idx);
	if (!p)
		return 0;
	if (p->key.seq != key->seq || p->key.flow != key->flow || p->key.gen != key->gen) {
		p->key = *key;
		p->t_dev_queue = 0;
		p->t_enqueue = 0;
		p->t_dequeue = 0;
		p->t_birth = 0;
		p->t_netif_receive = 0;
	}
	return p;
}

static __always_inline int dev_in(bool btf, const struct net_device *dev, __u32 ino, __s32 ifindex)
{
	if (!ino || !dev)
		return 0;
	if (ifindex && RD(btf, dev, ifindex) != ifindex)
		return 0;
	struct net *net = RD(btf, dev, nd_net.net);
	return net && RD(btf, net, ns.inum) == ino;
}

static __always_inline int udp_sk_in(bool btf, const struct sock *sk, __u32 ino)
{
	if (!ino || !sk || RD(btf, sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	struct net *net = RD(btf, sk, __sk_common.skc_net.net);
	return net && RD(btf, net, ns.inum) == ino;
}

static __always_inline void rx_birth(bool btf, const struct sk_buff *skb)
{
	struct pb_stg_key key;
	struct pb_stg_pkt *p;
	if (!dev_in(btf, RD(btf, skb, dev), dut_netns_ino, dut_ifindex))
		return;
	/* eth_type_trans has pulled L2: data is the IP header. */
	if (tag_at_ip((__u64)RD(btf, skb, data), &key))
		return;
	p = pkt_claim(&key);
	if (p) {
		p->t_birth = bpf_ktime_get_ns();
		p->t_netif_receive = 0;
	}
}

/* The skb's address as a number (the verifier forbids arithmetic on the pointer). */
static __always_inline __u64 skb_key(const struct sk_buff *skb)
{
	__u64 addr = 0;
	bpf_probe_read_kernel(&addr, sizeof(addr), &skb);
	return addr;
}

static __always_inline void tcp_netif_receive(const struct sk_buff *skb)
{
	__u64 k = skb_key(skb);
	struct pb_stg_tcp v = {.t_netif_receive = bpf_ktime_get_ns(), .gen = window_gen};
	bpf_map_update_elem(&tcp_skbs, &k, &v, BPF_ANY);
}

static __always_inline void rx_netif_receive(bool btf, const struct sk_buff *skb)
{
	struct pb_stg_key key;
	struct pb_stg_pkt *p;
	if (!dev_in(btf, RD(btf, skb, dev), dut_netns_ino, dut_ifindex))
		return;
	if (tcp_mode) {
		tcp_netif_receive(skb);
		return;
	}
	if (tag_at_ip((__u64)RD(btf, skb, data), &key))
		return;
	__u64 now = bpf_ktime_get_ns();
	p = pkt_find(&key);
	if (stage_end(PB_STG_RX_BIRTH_TO_NETIF_RECEIVE, p ? p->t_birth : 0, now) && p)
		p->t_birth = 0;
	if (!p)
		p = pkt_claim(&key);
	if (p)
		p->t_netif_receive = now;
}

static __always_inline __u64 sock_ino(bool btf, const struct sock *sk)
{
	struct socket *so = RD(btf, sk, sk_socket);
	if (!so)
		return 0;
	struct socket_alloc *sa = (void *)so; /* socket is the first member */
	return BPF_CORE_READ(sa, vfs_inode.i_ino);
}

static __always_inline void sockq_push(bool btf, const struct sock *sk, __u64 now)
{
	__u64 ino = sock_ino(btf, sk);
	__u32 zero = 0;
	struct pb_stg_sockq *q;
	if (!ino)
		return;
	q = bpf_map_lookup_elem(&sockq, &ino);
	if (!q) {
		struct pb_stg_sockq *z = bpf_map_lookup_elem(&sockq_zero, &zero);
		if (!z)
			return;
		bpf_map_update_elem(&sockq, &ino, z, BPF_NOEXIST);
		q = bpf_map_lookup_elem(&sockq, &ino);
		if (!q)
			return;
	}
	__u64 gen = window_gen + 1; /* 0 is a fresh entry's */
	__u64 old = q->gen;
	if (old != gen && __sync_val_compare_and_swap(&q->gen, old, gen) == old) {
		/* First datagram of the window on this socket: the reader goes on from where the
		 * counters stand; datagrams queued before now (this one is already queued) are read
		 * first and take the indices below ours, which have no slot in this window. */
		__u32 pending = BPF_CORE_READ(sk, sk_receive_queue.qlen) +
				BPF_CORE_READ((struct udp_sock *)sk, reader_queue.qlen);
		__u64 base = q->enq;
		q->deq = base;
		q->enq = base + (pending ? pending - 1 : 0);
	}
	__u64 idx = __sync_fetch_and_add(&q->enq, 1);
	struct pb_stg_slot *s = &q->slot[idx & (PB_STG_SOCKQ_SLOTS - 1)];
	s->ts = now;
	s->idx = idx + 1;
}

static __always_inline void rx_data_ready(bool btf, const struct sock *sk)
{
	struct pb_stg_key key;
	struct pb_stg_pkt *p;
	if (!udp_sk_in(btf, sk, dut_netns_ino))
		return;
	__u64 now = bpf_ktime_get_ns();
	sockq_push(btf, sk, now);
	/* UDP queued the skb at the tail just before calling sk_data_ready. */
	const struct sk_buff *skb = RD(btf, sk, sk_receive_queue.prev);
	if (!skb || (__u64)skb == (__u64)&sk->sk_receive_queue) {
		/* A reader spliced the queue into its reader_queue between the enqueue and this
		 * call (udp_recvmsg does when reader_queue runs dry): the skb is that tail now. */
		const struct udp_sock *up = (const void *)sk;
		skb = BPF_CORE_READ(up, reader_queue.prev);
		if (!skb || (__u64)skb == (__u64)&up->reader_queue)
			return;
	}
	/* Read through CO-RE either way: the reader_queue tail came from a probe read. */
	if (tag_at_transport((__u64)BPF_CORE_READ(skb, head), BPF_CORE_READ(skb, transport_header), &key))
		return;
	p = pkt_find(&key);
	if (stage_end(PB_STG_RX_NETIF_RECEIVE_TO_DATA_READY, p ? p->t_netif_receive : 0, now) && p)
		p->t_netif_receive = 0;
}

static __always_inline void rx_recv(bool btf, const struct sock *sk, int ret, int flags)
{
	if (ret < 0 || (flags & 2 /* MSG_PEEK */))
		return;
	if (!udp_sk_in(btf, sk, dut_netns_ino))
		return;
	__u64 ino = sock_ino(btf, sk);
	struct pb_stg_sockq *q = bpf_map_lookup_elem(&sockq, &ino);
	if (!q)
		return;
	if (q->gen != (__u64)window_gen + 1)
		return;
	__u64 now = bpf_ktime_get_ns();
	__u64 idx = __sync_fetch_and_add(&q->deq, 1);
	struct pb_stg_slot *s = &q->slot[idx & (PB_STG_SOCKQ_SLOTS - 1)];
	/* A slot another datagram wrote has no start for this one (a written ts is never 0). */
	stage_end(PB_STG_RX_DATA_READY_TO_RECV, s->idx == idx + 1 ? s->ts : 0, now);
}

/* tcp:tcp_probe in tcp_rcv_established: only sockets of the DUT netns. */
static __always_inline void tcp_rcv(bool btf, const struct sock *sk, const struct sk_buff *skb)
{
	if (!sk || !dut_netns_ino)
		return;
	struct net *net = RD(btf, sk, __sk_common.skc_net.net);
	if (!net || RD(btf, net, ns.inum) != dut_netns_ino)
		return;
	__u64 k = skb_key(skb), now = bpf_ktime_get_ns();
	struct pb_stg_tcp *v = bpf_map_lookup_elem(&tcp_skbs, &k);
	if (stage_end(PB_STG_TCP_NETIF_RECEIVE_TO_TCP_RCV, v && v->gen == window_gen ? v->t_netif_receive : 0, now) && v) {
		v->t_netif_receive = 0;
		v->t_tcp_rcv = now;
	}
}

/* skb:skb_copy_datagram_iovec: any copy on the host; only skbs seen at tcp_probe match. */
static __always_inline void tcp_copy(const struct sk_buff *skb)
{
	__u64 k = skb_key(skb), now = bpf_ktime_get_ns();
	struct pb_stg_tcp *v = bpf_map_lookup_elem(&tcp_skbs, &k);
	if (!v)
		return;
	if (v->gen == window_gen && v->t_tcp_rcv && v->t_tcp_rcv <= now)
		record(PB_STG_TCP_RCV_TO_COPY, now - v->t_tcp_rcv);
	bpf_map_delete_elem(&tcp_skbs, &k);
}

static __always_inline void tx_mark_thread(__u64 now, int create)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct pb_stg_thread *t = bpf_map_lookup_elem(&tx_threads, &tid);
	if (t) {
		t->ts = now;
		t->gen = window_gen;
	} else if (create) {
		struct pb_stg_thread v = {.ts = now, .gen = window_gen};
		bpf_map_update_elem(&tx_threads, &tid, &v, BPF_ANY);
	}
}

static __always_inline void tx_send_length(bool btf, const struct sock *sk, int ret)
{
	if (ret < 0 || !udp_sk_in(btf, sk, tg_netns_ino))
		return;
	tx_mark_thread(bpf_ktime_get_ns(), 1);
}

/* The tag of a tagged skb on the TG link `dev` (where it is queued or sent), -1 for
 * anything else. */
static __always_inline int tx_tag(bool btf, const struct sk_buff *skb, const struct net_device *dev,
				  struct pb_stg_key *key)
{
	if (!dev_in(btf, dev, tg_netns_ino, tg_ifindex))
		return -1;
	__u64 head = (__u64)RD(btf, skb, head);
	__u16 nh = RD(btf, skb, network_header);
	if (nh == (__u16)~0U)
		return -1;
	return tag_at_ip(head + nh, key);
}

static __always_inline void tx_dev_queue(bool btf, const struct sk_buff *skb)
{
	struct pb_stg_key key;
	const struct net_device *dev = RD(btf, skb, dev);
	if (tx_tag(btf, skb, dev, &key))
		return;
	__u64 now = bpf_ktime_get_ns();
	__u64 tid = bpf_get_current_pid_tgid();
	struct pb_stg_thread *t = bpf_map_lookup_elem(&tx_threads, &tid);
	if (stage_end(PB_STG_TX_SEND_TO_DEV_QUEUE, t && t->gen == key.gen ? t->ts : 0, now) && t)
		t->ts = 0;
	if (!tx_qdisc_seen) {
		struct Qdisc *q = BPF_CORE_READ(dev, qdisc);
		const struct Qdisc_ops *ops = q ? BPF_CORE_READ(q, ops) : 0;
		if (ops)
			bpf_probe_read_kernel_str(tx_root_qdisc, sizeof(tx_root_qdisc), ops->id);
		tx_qdisc_seen = 1;
	}
	/* Reset at birth. */
	struct pb_stg_pkt *p = pkt_claim(&key);
	if (p) {
		p->t_dev_queue = now;
		p->t_enqueue = 0;
		p->t_dequeue = 0;
		p->t_birth = 0;
		p->t_netif_receive = 0;
	}
}

static __always_inline void tx_qdisc_enqueue(bool btf, const struct sk_buff *skb)
{
	struct pb_stg_key key;
	if (!skb || tx_tag(btf, skb, RD(btf, skb, dev), &key))
		return;
	__u64 now = bpf_ktime_get_ns();
	struct pb_stg_pkt *p = pkt_find(&key);
	if (stage_end(PB_STG_TX_DEV_QUEUE_TO_QDISC_ENQUEUE, p ? p->t_dev_queue : 0, now) && p)
		p->t_enqueue = now;
}

static __always_inline void tx_qdisc_dequeue(bool btf, const struct sk_buff *skb)
{
	struct pb_stg_key key;
	if (!skb || tx_tag(btf, skb, RD(btf, skb, dev), &key))
		return;
	__u64 now = bpf_ktime_get_ns();
	struct pb_stg_pkt *p = pkt_find(&key);
	if (stage_end(PB_STG_TX_QDISC_SOJOURN, p ? p->t_enqueue : 0, now) && p) {
		p->t_enqueue = 0;
		p->t_dequeue = now;
	}
}

static __always_inline void tx_start_xmit(bool btf, const struct sk_buff *skb, const struct net_device *dev)
{
	struct pb_stg_key key;
	__u32 zero = 0;
	if (tx_tag(btf, skb, dev, &key))
		return;
	__u64 now = bpf_ktime_get_ns();
	struct pb_stg_pkt *p = pkt_find(&key);
	if (stage_end(PB_STG_TX_DEV_QUEUE_TO_START_XMIT, p ? p->t_dev_queue : 0, now) && p) {
		p->t_dev_queue = 0;
		if (p->t_dequeue && p->t_dequeue <= now) {
			record(PB_STG_TX_QDISC_DEQUEUE_TO_START_XMIT, now - p->t_dequeue);
			p->t_dequeue = 0;
		}
	}
	struct pb_stg_xmit *x = bpf_map_lookup_elem(&xmit_slot, &zero);
	if (x) {
		x->skb = (__u64)skb;
		x->ts = now;
		x->gen = key.gen;
	}
}

static __always_inline void tx_xmit(const struct sk_buff *skb, int rc)
{
	__u32 zero = 0;
	struct pb_stg_xmit *x = bpf_map_lookup_elem(&xmit_slot, &zero);
	if (!x || x->skb != (__u64)skb || x->gen != window_gen)
		return;
	x->skb = 0;
	if (rc == 0x10 /* NETDEV_TX_BUSY: requeued, started again later */)
		return;
	__u64 now = bpf_ktime_get_ns();
	if (x->ts <= now)
		record(PB_STG_TX_START_XMIT_TO_XMIT, now - x->ts);
}

/* net:napi_gro_receive_entry (5.1+) */
PB_TWIN(stg_gro, napi_gro_receive_entry, const struct sk_buff *skb) { if (window_open) rx_birth(btf, skb); return 0; }

/* net:netif_receive_skb_entry (5.1+) */
PB_TWIN(stg_nrse, netif_receive_skb_entry, const struct sk_buff *skb) { if (window_open) rx_birth(btf, skb); return 0; }

/* net:netif_receive_skb_list_entry (5.1+) */
PB_TWIN(stg_nrsle, netif_receive_skb_list_entry, const struct sk_buff *skb) { if (window_open) rx_birth(btf, skb); return 0; }

/* net:netif_rx, in netif_rx_internal: also reached by __netif_rx (veth without NAPI), which
 * skips netif_rx_entry; netif_rx() fires both, so netif_rx_entry is not hooked. */
PB_TWIN(stg_nrx, netif_rx, struct sk_buff *skb) { if (window_open) rx_birth(btf, skb); return 0; }

/* net:netif_receive_skb, in __netif_receive_skb_core */
PB_TWIN(stg_nrs, netif_receive_skb, struct sk_buff *skb) { if (window_open) rx_netif_receive(btf, skb); return 0; }

/* sock:sk_data_ready (6.3+) */
PB_TWIN(stg_ready, sk_data_ready, const struct sock *sk) { if (window_open) rx_data_ready(btf, sk); return 0; }

/* sock:sock_recv_length (6.3+), once per datagram, also inside recvmmsg */
PB_TWIN(stg_recv, sock_recv_length, struct sock *sk, int ret, int flags)
{ if (window_open) rx_recv(btf, sk, ret, flags); return 0; }

/* sock:sock_send_length (6.3+), once per datagram after the synchronous UDP send */
PB_TWIN(stg_send, sock_send_length, struct sock *sk, int ret, int flags)
{ if (window_open) tx_send_length(btf, sk, ret); return 0; }

/* syscalls:sys_enter_* (classic): only threads already seen sending in the TG netns. */
SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int stg_sendmmsg(void *ctx) { if (window_open) tx_mark_thread(bpf_ktime_get_ns(), 0); return 0; }
SEC("tracepoint/syscalls/sys_enter_sendmsg")
int stg_sendmsg(void *ctx) { if (window_open) tx_mark_thread(bpf_ktime_get_ns(), 0); return 0; }
SEC("tracepoint/syscalls/sys_enter_sendto")
int stg_sendto(void *ctx) { if (window_open) tx_mark_thread(bpf_ktime_get_ns(), 0); return 0; }

/* net:net_dev_queue, in __dev_queue_xmit after TC egress */
PB_TWIN(stg_dq, net_dev_queue, struct sk_buff *skb) { if (window_open) tx_dev_queue(btf, skb); return 0; }

/* qdisc:qdisc_enqueue (5.19+) */
PB_TWIN(stg_enq, qdisc_enqueue, struct Qdisc *q, const struct netdev_queue *txq, struct sk_buff *skb)
{ if (window_open) tx_qdisc_enqueue(btf, skb); return 0; }

/* qdisc:qdisc_dequeue (5.0+); skb is NULL on an empty dequeue */
PB_TWIN(stg_deq, qdisc_dequeue, struct Qdisc *q, const struct netdev_queue *txq, int packets, struct sk_buff *skb)
{ if (window_open) tx_qdisc_dequeue(btf, skb); return 0; }

/* net:net_dev_start_xmit, in xmit_one before ndo_start_xmit */
PB_TWIN(stg_sx, net_dev_start_xmit, const struct sk_buff *skb, const struct net_device *dev)
{ if (window_open) tx_start_xmit(btf, skb, dev); return 0; }

/* net:net_dev_xmit, in xmit_one after ndo_start_xmit; the skb is not read */
PB_TWIN(stg_x, net_dev_xmit, struct sk_buff *skb, int rc) { if (window_open) tx_xmit(skb, rc); return 0; }

/* tcp:tcp_probe (4.16+; sk, skb): kernel-tcp runs only (the loader switches it off otherwise). */
PB_TWIN(stg_tcp, tcp_probe, struct sock *sk, const struct sk_buff *skb) { if (window_open) tcp_rcv(btf, sk, skb); return 0; }

/* skb:skb_copy_datagram_iovec (skb, len): kernel-tcp runs only. */
PB_TWIN(stg_copy, skb_copy_datagram_iovec, const struct sk_buff *skb, int len) { if (window_open) tcp_copy(skb); return 0; }
