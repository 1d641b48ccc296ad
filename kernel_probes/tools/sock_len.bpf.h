/* The socket I/O hooks socketio, socksize and tcptop share: sock:sock_send_length and
 * sock:sock_recv_length (6.3+), emitted by sock_sendmsg_nosec()/sock_recvmsg_nosec()
 * right after the protocol's sendmsg/recvmsg returned, in the calling task (so pid and
 * comm are the caller's). Each event comes as tp_btf (5.5+), its raw_tp twin and the
 * classic tracepoint (whose record carries the same sk); HookSet attaches the first that
 * works. Include after tool.bpf.h and the tool's header (PB_SOCK_READ, PB_SOCK_WRITE); the
 * tool then defines pb_on_sock_len, declared below. `ret` is the byte count (> 0), 0, or -errno; `dir` is PB_SOCK_READ or PB_SOCK_WRITE. */
#ifndef PB_SOCK_LEN_BPF_H
#define PB_SOCK_LEN_BPF_H

#ifndef PB_SOCK_READ
#error "the tool's header defines PB_SOCK_READ and PB_SOCK_WRITE"
#endif

#define PB_MSG_PEEK 2 /* include/linux/socket.h */

/* The tool's handler of both events. */
static __always_inline void pb_on_sock_len(struct sock *sk, int ret, int flags, __u8 dir);

/* The filters of tool.bpf.h every socket-I/O tool honours: netns of the socket, the
 * calling process and its comm, local port (skc_num) and remote port (skc_dport). `comm`
 * is filled for the caller. */
static __always_inline int pb_sock_len_wanted(const struct sock *sk, char *comm, __u32 *tgid)
{
	if (!sk || !pb_want_netns(pb_sk_netns(sk)))
		return 0;
	*tgid = pb_current_tgid();
	if (!pb_want_pid(*tgid))
		return 0;
	bpf_get_current_comm(comm, PB_TOOL_COMM_LEN);
	if (!pb_want_comm(comm))
		return 0;
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return pb_want_ports(lport, rport);
}

/* Keys a tool could not insert because its map was full (reported in the summary notes). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} keys_full SEC(".maps");

/* The value of `key` on this CPU in a per-CPU hash, inserted as `zero` first when new;
 * NULL (counted in keys_full) when the map is full. */
static __always_inline void *pb_percpu_entry(void *map, const void *key, const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);
	if (v)
		return v;
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST); /* another CPU may have inserted it */
	v = bpf_map_lookup_elem(map, key);
	if (!v) {
		__u32 k = 0;
		__u64 *full = bpf_map_lookup_elem(&keys_full, &k);
		if (full)
			(*full)++;
	}
	return v;
}

PB_TWIN(pb_send_length, sock_send_length, struct sock *sk, int ret, int flags)
{
	pb_on_sock_len(sk, ret, flags, PB_SOCK_WRITE);
	return 0;
}

PB_TWIN(pb_recv_length, sock_recv_length, struct sock *sk, int ret, int flags)
{
	pb_on_sock_len(sk, ret, flags, PB_SOCK_READ);
	return 0;
}

SEC("tracepoint/sock/sock_send_length")
int pb_send_length_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	pb_on_sock_len((struct sock *)ctx->sk, ctx->ret, ctx->flags, PB_SOCK_WRITE);
	return 0;
}

SEC("tracepoint/sock/sock_recv_length")
int pb_recv_length_tp(struct trace_event_raw_sock_msg_length *ctx)
{
	pb_on_sock_len((struct sock *)ctx->sk, ctx->ret, ctx->flags, PB_SOCK_READ);
	return 0;
}

#endif
