// SPDX-License-Identifier: GPL-2.0
/* gethostlatency: one uprobe program and one uretprobe program, each attached by the
 * loader to getaddrinfo, gethostbyname and gethostbyname2 of a libc (uprobes: 3.5+; they
 * are not kprobes and work on this kernel). The name (the first argument of all three)
 * is copied at the call and timed to the return, per thread (glibc implements none of
 * the three through another, so calls do not nest).
 * Filters: pid, comm, and netns (of the calling task). */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "gethostlatency.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_GETHOSTLAT_MAX_THREADS);
	__type(key, __u32); /* tid */
	__type(value, struct pb_gethostlat_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PB_GETHOSTLAT_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* Too large for the BPF stack next to everything else: built here. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pb_gethostlat_start);
} scratch SEC(".maps");

static __always_inline __u32 current_netns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
}

SEC("uprobe")
int BPF_KPROBE(gethostlatency_call, const char *name)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	if (!pb_want_pid(id >> 32))
		return 0;
	if (filter_comm[0]) {
		char comm[PB_TOOL_COMM_LEN] = {};
		bpf_get_current_comm(comm, sizeof(comm));
		if (!pb_want_comm(comm))
			return 0;
	}
	if (filter_netns && !pb_want_netns(current_netns()))
		return 0;
	__u32 zero = 0;
	struct pb_gethostlat_start *s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	s->pad = 0;
	if (bpf_probe_read_user_str(s->host, sizeof(s->host), name) < 0)
		s->host[0] = 0;
	s->ts_ns = bpf_ktime_get_ns();
	/* BPF_ANY: a call whose return never came (longjmp out, thread gone) is replaced. */
	if (bpf_map_update_elem(&starts, &tid, s, BPF_ANY)) {
		__u64 *v = bpf_map_lookup_elem(&counters, &zero);
		if (v)
			(*v)++;
	}
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(gethostlatency_return)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct pb_gethostlat_start *s = bpf_map_lookup_elem(&starts, &tid);
	if (!s)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	struct pb_gethostlat_event *e = pb_event_reserve(sizeof(*e));
	if (e) {
		e->ts_ns = now;
		e->lat_ns = now - s->ts_ns;
		e->pid = id >> 32;
		e->tid = tid;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		__builtin_memcpy(e->host, s->host, sizeof(e->host));
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}
