// SPDX-License-Identifier: GPL-2.0
/* socketio: per-CPU counts of socket calls and bytes by (comm, pid, direction, protocol
 * name, remote port). Nothing goes through the ring: user space reads the counts every
 * interval. Every filter of tool.bpf.h applies here. */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "socketio.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PB_SOCKETIO_MAX_KEYS);
	__type(key, struct pb_socketio_key);
	__type(value, struct pb_socketio_value);
} counts SEC(".maps");

#include "sock_len.bpf.h"

static __always_inline void pb_on_sock_len(struct sock *sk, int ret, int flags, __u8 dir)
{
	struct pb_socketio_key key = {.dir = dir};
	if (!pb_sock_len_wanted(sk, key.comm, &key.pid))
		return;
	key.rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	const struct proto *prot = BPF_CORE_READ(sk, __sk_common.skc_prot);
	if (prot)
		bpf_probe_read_kernel_str(key.proto, sizeof(key.proto), &prot->name);
	struct pb_socketio_value zero = {};
	struct pb_socketio_value *v = pb_percpu_entry(&counts, &key, &zero);
	if (!v)
		return;
	v->calls++;
	if (ret > 0)
		v->bytes += ret;
	else if (ret < 0)
		v->errors++;
}
