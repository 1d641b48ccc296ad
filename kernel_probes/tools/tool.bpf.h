/* What the BPF side of every `pathbench probe` tool shares: the event ring (user space:
 * kernel_probes/ring_buffer.h) with its per-CPU count of events lost to a full ring, and
 * the filter knobs the loader sets between open and load (tools/tool.h set_filters()).
 * Include once per tool object, after vmlinux.h. */
#ifndef PB_TOOL_BPF_H
#define PB_TOOL_BPF_H

#include "common.bpf.h"
#include "tool_limits.h"

/* 0 / empty: no filter. */
const volatile __u32 filter_netns = 0;              /* netns inode */
const volatile __u32 filter_pid = 0;                /* process (tgid) */
const volatile char filter_comm[PB_TOOL_COMM_LEN] = {}; /* task comm, NUL padded */
const volatile __u16 filter_lports[PB_TOOL_MAX_PORTS] = {};
const volatile __u32 filter_nlports = 0;
const volatile __u16 filter_rports[PB_TOOL_MAX_PORTS] = {};
const volatile __u32 filter_nrports = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PB_TOOL_RING_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} events_lost SEC(".maps");

/* Space for one event, or NULL (counted in events_lost) when the ring is full. */
static __always_inline void *pb_event_reserve(__u64 size)
{
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e) {
		__u32 key = 0;
		__u64 *lost = bpf_map_lookup_elem(&events_lost, &key);
		if (lost)
			(*lost)++;
	}
	return e;
}

static __always_inline int pb_want_netns(__u32 ino)
{
	return !filter_netns || ino == filter_netns;
}

static __always_inline int pb_want_pid(__u32 tgid)
{
	return !filter_pid || tgid == filter_pid;
}

static __always_inline int pb_want_comm(const char *comm)
{
	if (!filter_comm[0])
		return 1;
	for (int i = 0; i < PB_TOOL_COMM_LEN; i++) {
		if (comm[i] != filter_comm[i])
			return 0;
		if (!comm[i])
			break;
	}
	return 1;
}

static __always_inline int pb_port_in(__u16 port, const volatile __u16 *ports, __u32 n)
{
	if (!n)
		return 1;
	for (int i = 0; i < PB_TOOL_MAX_PORTS; i++) {
		if (i >= n)
			break;
		if (port == ports[i])
			return 1;
	}
	return 0;
}

/* Ports in host order. */
static __always_inline int pb_want_ports(__u16 lport, __u16 rport)
{
	return pb_port_in(lport, filter_lports, filter_nlports) && pb_port_in(rport, filter_rports, filter_nrports);
}

#endif
