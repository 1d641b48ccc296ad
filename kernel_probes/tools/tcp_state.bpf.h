/* BPF code the TCP tools (tcpconnect, tcpaccept, tcpretrans, tcpsynbl, tcpwin, tcpnagle)
 * share: the socket's 4-tuple read from struct sock through CO-RE.
 * Include after tool.bpf.h. */
#ifndef PB_TCP_STATE_BPF_H
#define PB_TCP_STATE_BPF_H

#define PB_AF_INET 2
#define PB_AF_INET6 10

/* A socket's addresses and ports as the tools print them: ports in host order, IPv4 in
 * the first 4 bytes of each address. */
struct pb_tcp_tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 lport;
	__u16 rport;
	__u16 family;
};

/* The tuple of `sk`. lport from inet_sport, not skc_num: inet_put_port() zeroes skc_num
 * before a CLOSE transition is traced. */
static __always_inline void pb_tcp_tuple_of(const struct sock *sk, struct pb_tcp_tuple *t)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	t->lport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	t->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (t->family == PB_AF_INET) {
		/* The macros read sizeof(*dst): 4 bytes here, 16 below. */
		BPF_CORE_READ_INTO((__u32 *)t->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)t->daddr, sk, __sk_common.skc_daddr);
	} else if (t->family == PB_AF_INET6) {
		BPF_CORE_READ_INTO(&t->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&t->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* A TCP socket of an inet family (the state tracepoint also carries SCTP and MPTCP). */
static __always_inline int pb_is_inet_tcp(const struct sock *sk)
{
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return family == PB_AF_INET || family == PB_AF_INET6;
}

#endif
