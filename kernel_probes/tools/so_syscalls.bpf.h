/* What the socket-syscall tools (sockstat, sofamily, soprotocol, udpconnect) share on the
 * BPF side: the netns a call belongs to, the pid/comm filters of the calling task, and an
 * exact counter in a fixed-size hash map whose failed inserts are themselves counted.
 * Include after tool.bpf.h. Syscall tracepoints are classic only (no tp_btf form): their
 * records are struct trace_event_raw_sys_enter (args[]) and trace_event_raw_sys_exit (ret). */
#ifndef PB_SO_SYSCALLS_BPF_H
#define PB_SO_SYSCALLS_BPF_H

/* The inode of the calling task's netns (task->nsproxy->net_ns); 0 while the task exits
 * (nsproxy already gone). */
static __always_inline __u32 so_task_netns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
	if (!nsp)
		return 0;
	return BPF_CORE_READ(nsp, net_ns, ns.inum);
}

/* The netns a call on `sk` belongs to: the socket's, else (not a socket) the task's. */
static __always_inline __u32 so_call_netns(const struct sock *sk)
{
	return sk ? pb_sk_netns(sk) : so_task_netns();
}

/* Whether the calling task passes --pid and --comm; `comm` receives its task name. */
static __always_inline int so_want_task(char comm[PB_TOOL_COMM_LEN])
{
	bpf_get_current_comm(comm, PB_TOOL_COMM_LEN);
	return pb_want_pid(pb_current_tgid()) && pb_want_comm(comm);
}

/* Adds one to `key`'s count in hash `map`; when the map is full the call is added to
 * `overflow` (a one-slot per-CPU array) instead, so user space can say how many went
 * uncounted. */
static __always_inline void so_count(void *map, const void *key, void *overflow)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(map, key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	long err = bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU inserted it first */) {
		v = bpf_map_lookup_elem(map, key);
		if (v) {
			__sync_fetch_and_add(v, 1);
			return;
		}
	}
	if (err) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(overflow, &zero);
		if (n)
			(*n)++;
	}
}

#endif
