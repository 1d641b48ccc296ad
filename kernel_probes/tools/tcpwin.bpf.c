// SPDX-License-Identifier: GPL-2.0
/* tcpwin on tcp:tcp_probe: fired at the top of tcp_rcv_established() for every segment
 * an established socket receives, pure ACKs included. */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include "tool.bpf.h"
#include "tcp_state.bpf.h"
#include "tcpwin.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline void on_probe(const struct sock *sk, const struct sk_buff *skb)
{
	__u32 netns = pb_sk_netns(sk);
	if (!pb_want_netns(netns))
		return;
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (!pb_want_ports(lport, rport))
		return;
	struct pb_tcpwin_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return;
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	/* As the tracepoint's data_len: skb->data is the TCP header here. */
	__u8 doff = 0;
	unsigned char *data = BPF_CORE_READ(skb, data);
	bpf_probe_read_kernel(&doff, 1, data + 12);
	__u32 len = BPF_CORE_READ(skb, len), hdr = (doff >> 4) * 4;
	e->sock = (__u64)sk;
	e->ts_ns = bpf_ktime_get_ns();
	e->snd_cwnd = BPF_CORE_READ(tp, snd_cwnd);
	e->snd_ssthresh = BPF_CORE_READ(tp, snd_ssthresh);
	e->sk_sndbuf = BPF_CORE_READ(sk, sk_sndbuf);
	e->sk_wmem_queued = BPF_CORE_READ(sk, sk_wmem_queued);
	e->data_len = len > hdr ? len - hdr : 0;
	e->netns = netns;
	e->lport = lport;
	e->rport = rport;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

/* tcp:tcp_probe (4.16+): tp_btf with its raw_tp twin, and the classic tracepoint (skaddr
 * and skbaddr are the same pointers). */
PB_TWIN(tcpwin_probe, tcp_probe, struct sock *sk, const struct sk_buff *skb)
{
	on_probe(sk, skb);
	return 0;
}

SEC("tracepoint/tcp/tcp_probe")
int tcpwin_probe_tp(struct trace_event_raw_tcp_probe *ctx)
{
	on_probe((const struct sock *)ctx->skaddr, (const struct sk_buff *)ctx->skbaddr);
	return 0;
}
