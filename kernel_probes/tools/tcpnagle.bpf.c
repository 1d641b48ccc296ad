// SPDX-License-Identifier: GPL-2.0
/* tcpnagle on tcp:tcp_sendmsg_locked (6.2+), which tcp_sendmsg_locked() fires once per
 * sendmsg before its copy loop: tcp_sk(sk)->nonagle as the sender set it (TCP_NODELAY,
 * TCP_CORK, MSG_MORE does not change it). The classic tracepoint's record has no sk, so
 * only tp_btf and its raw_tp twin. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "tcp_state.bpf.h"
#include "tcpnagle.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_TCPNAGLE_FLAGS);
	__type(key, __u32);   /* nonagle */
	__type(value, __u64); /* sendmsg calls */
} counts SEC(".maps");

static __always_inline void on_sendmsg(const struct sock *sk)
{
	if (!pb_want_netns(pb_sk_netns(sk)) || !pb_want_pid(pb_current_tgid()))
		return;
	char comm[PB_TOOL_COMM_LEN];
	bpf_get_current_comm(comm, sizeof(comm));
	if (!pb_want_comm(comm))
		return;
	if (!pb_want_ports(BPF_CORE_READ(sk, __sk_common.skc_num), bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport))))
		return;
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u32 flags = BPF_CORE_READ_BITFIELD_PROBED(tp, nonagle) & (PB_TCPNAGLE_FLAGS - 1);
	__u64 *n = bpf_map_lookup_elem(&counts, &flags);
	if (n)
		(*n)++;
}

PB_TWIN(tcpnagle_sendmsg, tcp_sendmsg_locked, const struct sock *sk, const struct msghdr *msg, const struct sk_buff *skb,
	int size_goal)
{
	on_sendmsg(sk);
	return 0;
}
