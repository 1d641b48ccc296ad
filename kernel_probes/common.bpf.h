/* Helpers shared by every pathbench BPF family. Include after vmlinux.h. */
#ifndef PB_COMMON_BPF_H
#define PB_COMMON_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#ifndef IPPROTO_UDP
#define IPPROTO_UDP 17
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif

/* PB_TWIN(name, event, args...) { body }: one hook as the pair HookSet picks from,
 * SEC("tp_btf/<event>") `name` (5.5+) and SEC("raw_tp/<event>") `name_raw` (4.17+, for
 * kernels whose BTF lacks btf_trace_<event>), both running one body with the tracepoint's
 * arguments (declared as in BPF_PROG) and `btf`: true in the tp_btf program, false in the
 * twin, a constant after inlining. The body returns the program's int. */
#define PB_TWIN(name, event, args...)							\
	static __always_inline int ____##name(bool btf, unsigned long long *ctx, ##args);	\
	SEC("tp_btf/" #event)								\
	int name(unsigned long long *ctx)						\
	{										\
		_Pragma("GCC diagnostic push")						\
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")			\
		return ____##name(true, ___bpf_ctx_cast(args));				\
		_Pragma("GCC diagnostic pop")						\
	}										\
	SEC("raw_tp/" #event)								\
	int name##_raw(unsigned long long *ctx)						\
	{										\
		_Pragma("GCC diagnostic push")						\
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")			\
		return ____##name(false, ___bpf_ctx_cast(args));			\
		_Pragma("GCC diagnostic pop")						\
	}										\
	static __always_inline int ____##name(bool btf, unsigned long long *ctx, ##args)

/* The inode of the netns a socket lives in (what user space gets from fstat of a netns fd). */
static __always_inline __u32 pb_sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* The inode of the netns of the device an skb is on, or 0 when it has none. */
static __always_inline __u32 pb_dev_netns(const struct net_device *dev)
{
	if (!dev)
		return 0;
	return BPF_CORE_READ(dev, nd_net.net, ns.inum);
}

/* The inode of the netns an skb is in: its device's, else its socket's; 0 when it has neither. */
static __always_inline __u32 pb_skb_netns(const struct sk_buff *skb)
{
	__u32 ino = pb_dev_netns(BPF_CORE_READ(skb, dev));
	if (!ino) {
		struct sock *sk = BPF_CORE_READ(skb, sk);
		if (sk)
			ino = pb_sk_netns(sk);
	}
	return ino;
}

#endif
