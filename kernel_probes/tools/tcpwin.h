/* tcpwin: one event per TCP segment received on an established socket (tcp:tcp_probe, at
 * the top of tcp_rcv_established: the book's kprobe site), with the socket's congestion
 * window, slow-start threshold and send buffer use. Shared between tcpwin.bpf.c and
 * tcpwin.cpp. */
#ifndef PB_TOOLS_TCPWIN_H
#define PB_TOOLS_TCPWIN_H

#ifndef __BPF__
#include <linux/types.h>
#endif

struct pb_tcpwin_event {
	__u64 sock;           /* struct sock * (the book's sock column) */
	__u64 ts_ns;          /* bpf_ktime_get_ns() */
	__u32 snd_cwnd;       /* tcp_sock.snd_cwnd, segments */
	__u32 snd_ssthresh;   /* tcp_sock.snd_ssthresh, segments */
	__u32 sk_sndbuf;      /* sock.sk_sndbuf, bytes */
	__u32 sk_wmem_queued; /* sock.sk_wmem_queued, bytes */
	__u32 data_len;       /* payload bytes of the segment (0: a pure ACK) */
	__u32 netns;          /* netns inode of the socket */
	__u16 lport;          /* host order */
	__u16 rport;          /* host order */
	__u32 pad;
};

#ifdef __cplusplus
static_assert(sizeof(struct pb_tcpwin_event) == 48, "pb_tcpwin_event layout");

namespace pb::probes::tools {
struct Tool;
// The tcpwin row of the tool table.
const Tool& tcpwin_tool();
}  // namespace pb::probes::tools
#endif

#endif
