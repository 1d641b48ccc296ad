// SPDX-License-Identifier: GPL-2.0
/* ieee80211scan on the cfg80211 tracepoints (net/wireless/trace.h) instead of the book's
 * mac80211 kprobes: rdev_scan (start), cfg80211_inform_bss_frame (each BSS, with its
 * channel), cfg80211_scan_done (end). vmlinux.h of a kernel without the wifi stack has
 * none of the types involved, so the few members read are declared here with CO-RE
 * (preserve_access_index, the ___pb flavour): libbpf relocates them against the running
 * kernel's BTF at load. Built on every kernel, loadable only where cfg80211 exists (not
 * on the development machines: CONFIG_WIRELESS is off there, so this was never loaded).
 * tp_btf with raw_tp twins; no classic-tracepoint flavour (its records copy fields, not
 * the pointers read here). */
#include "vmlinux.h"
#include "tool.bpf.h"
#include "ieee80211scan.h"

char LICENSE[] SEC("license") = "GPL";

struct ieee80211_channel___pb {
	__u32 band; /* enum nl80211_band */
	__u32 center_freq;
} __attribute__((preserve_access_index));

struct cfg80211_scan_request___pb {
	__u32 n_channels;
} __attribute__((preserve_access_index));

struct cfg80211_scan_info___pb {
	bool aborted;
} __attribute__((preserve_access_index));

struct cfg80211_inform_bss___pb {
	struct ieee80211_channel___pb *chan;
	__s32 signal;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PB_IEEE80211SCAN_MAX_SCANS);
	__type(key, __u64);   /* struct cfg80211_scan_request * */
	__type(value, __u64); /* bpf_ktime_get_ns() at rdev_scan */
} scans SEC(".maps");

static __always_inline struct pb_ieee80211scan_event *new_event(__u32 kind)
{
	__u64 id = bpf_get_current_pid_tgid();
	if (!pb_want_pid(id >> 32))
		return NULL;
	struct pb_ieee80211scan_event *e = pb_event_reserve(sizeof(*e));
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->pid = id >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

static __always_inline void on_scan(const void *request)
{
	__u64 key = (__u64)request, now = bpf_ktime_get_ns();
	bpf_map_update_elem(&scans, &key, &now, BPF_ANY);
	struct pb_ieee80211scan_event *e = new_event(PB_SCAN_START);
	if (!e)
		return;
	e->n_channels = BPF_CORE_READ((const struct cfg80211_scan_request___pb *)request, n_channels);
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void on_bss(const void *data)
{
	struct pb_ieee80211scan_event *e = new_event(PB_SCAN_BSS);
	if (!e)
		return;
	const struct cfg80211_inform_bss___pb *bss = data;
	const struct ieee80211_channel___pb *chan = BPF_CORE_READ(bss, chan);
	if (chan) {
		e->band = BPF_CORE_READ(chan, band);
		e->freq = BPF_CORE_READ(chan, center_freq);
	}
	e->signal = BPF_CORE_READ(bss, signal);
	bpf_ringbuf_submit(e, 0);
}

static __always_inline void on_done(const void *request, const void *info)
{
	__u64 key = (__u64)request, span = 0;
	__u64 *start = bpf_map_lookup_elem(&scans, &key);
	if (start) {
		span = bpf_ktime_get_ns() - *start;
		bpf_map_delete_elem(&scans, &key);
	}
	struct pb_ieee80211scan_event *e = new_event(PB_SCAN_DONE);
	if (!e)
		return;
	e->span_ns = span;
	if (request)
		e->n_channels = BPF_CORE_READ((const struct cfg80211_scan_request___pb *)request, n_channels);
	if (info)
		e->aborted = BPF_CORE_READ((const struct cfg80211_scan_info___pb *)info, aborted);
	bpf_ringbuf_submit(e, 0);
}

/* cfg80211:rdev_scan(struct wiphy *wiphy, struct cfg80211_scan_request *request) */
SEC("tp_btf/rdev_scan")
int BPF_PROG(ieee80211scan_start, void *wiphy, void *request)
{
	on_scan(request);
	return 0;
}

SEC("raw_tp/rdev_scan")
int BPF_PROG(ieee80211scan_start_raw, void *wiphy, void *request)
{
	on_scan(request);
	return 0;
}

/* cfg80211:cfg80211_inform_bss_frame(struct wiphy *wiphy, struct cfg80211_inform_bss *data,
 * struct ieee80211_mgmt *mgmt, size_t len) */
SEC("tp_btf/cfg80211_inform_bss_frame")
int BPF_PROG(ieee80211scan_bss, void *wiphy, void *data)
{
	on_bss(data);
	return 0;
}

SEC("raw_tp/cfg80211_inform_bss_frame")
int BPF_PROG(ieee80211scan_bss_raw, void *wiphy, void *data)
{
	on_bss(data);
	return 0;
}

/* cfg80211:cfg80211_scan_done(struct cfg80211_scan_request *request, struct cfg80211_scan_info *info) */
SEC("tp_btf/cfg80211_scan_done")
int BPF_PROG(ieee80211scan_done, void *request, void *info)
{
	on_done(request, info);
	return 0;
}

SEC("raw_tp/cfg80211_scan_done")
int BPF_PROG(ieee80211scan_done_raw, void *request, void *info)
{
	on_done(request, info);
	return 0;
}
