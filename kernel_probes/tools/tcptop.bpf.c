// SPDX-License-Identifier: GPL-2.0
/* tcptop: per-CPU byte counts per (process, TCP tuple). Nothing goes through the ring:
 * user space reads the counts every interval. Every filter of tool.bpf.h applies here. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "tcptop.h"

char LICENSE[] SEC("license") = "GPL";

#define PB_AF_INET 2
#define PB_AF_INET6 10

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PB_TCPTOP_MAX_FLOWS);
	__type(key, struct pb_tcptop_key);
	__type(value, struct pb_tcptop_value);
} flows SEC(".maps");

#include "sock_len.bpf.h"

static __always_inline void pb_on_sock_len(struct sock *sk, int ret, int flags, __u8 dir)
{
	/* Only bytes moved; a MSG_PEEK read leaves them queued for the read that counts. */
	if (ret <= 0 || (dir == PB_SOCK_READ && (flags & PB_MSG_PEEK)))
		return;
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return;
	char comm[PB_TOOL_COMM_LEN];
	struct pb_tcptop_key key = {};
	if (!pb_sock_len_wanted(sk, comm, &key.pid))
		return;
	key.family = BPF_CORE_READ(sk, __sk_common.skc_family);
	key.lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	key.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (key.family == PB_AF_INET) {
		/* The macros read sizeof(*dst): 4 bytes here, 16 below. */
		BPF_CORE_READ_INTO((__u32 *)key.saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)key.daddr, sk, __sk_common.skc_daddr);
	} else if (key.family == PB_AF_INET6) {
		BPF_CORE_READ_INTO(&key.saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&key.daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	struct pb_tcptop_value zero = {};
	struct pb_tcptop_value *v = pb_percpu_entry(&flows, &key, &zero);
	if (!v)
		return;
	if (dir == PB_SOCK_READ)
		v->rx_bytes += ret;
	else
		v->tx_bytes += ret;
	__builtin_memcpy(v->comm, comm, sizeof(v->comm));
}
