#include "reports/json.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "bench/core/errors.h"

namespace pb::reports {

namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------
// The field lists. `fields(v, x)` names every member of x with its key, once; the writer
// and the reader below both walk these lists, so a key is spelled in exactly one place.
// v(key, member) is a field; v.constant(key, text) a fixed value; v.whole(key, member) a
// number written as an integer when it is one; v.since_v1(key, member, value) a field
// reports of the first version 1 writer lack, read as `value` when absent.

template <typename V> void fields(V& v, Absent& x) { v("absent", x.why); }

template <typename V> void fields(V& v, Latency& x) {
  v.constant("unit", "ns");
  v("count", x.count);
  v("min", x.min);
  v("mean", x.mean);
  v("p50", x.p50);
  v("p90", x.p90);
  v("p99", x.p99);
  v("p999", x.p999);
  v("max", x.max);
  v("histogram", x.histogram);
}

template <typename V> void fields(V& v, Queue& x) {
  v("unit", x.unit);
  v("count", x.count);
  v("max", x.max);
  v("p50", x.p50);
  v("p99", x.p99);
  v("histogram", x.histogram);
  v("interval_ms", x.interval_ms);
  v("series", x.series);
  v("capacity", x.capacity);
  v.whole("sample_ms", x.sample_ms);
  v("scope", x.scope);
  v("total", x.total);
}

template <typename V> void fields(V& v, CpuCount& x) {
  v("cpu", x.cpu);
  v("packets", x.packets);
  v("birth", x.birth);
  v("receive", x.receive);
}

template <typename V> void fields(V& v, QueueCount& x) {
  v("queue", x.queue);
  v("packets", x.packets);
}

template <typename V> void fields(V& v, Napi& x) {
  v("polls", x.polls);
  v("work", x.work);
  v("budget_exhausted", x.budget_exhausted);
  v("mean_work", x.mean_work);
  v("mean_budget", x.mean_budget);
}

template <typename V> void fields(V& v, Imbalance& x) {
  v("max_over_mean", x.max_over_mean);
  v("jain", x.jain);
  v("queues", x.queues);
  v("absent", x.absent);
}

template <typename V> void fields(V& v, Spread& x) {
  v("per_cpu", x.per_cpu);
  v("per_rx_queue", x.per_rx_queue);
  v("rx_queue_unrecorded", x.rx_queue_unrecorded);
  v("rps_moved", x.rps_moved);
  v("receive_unmatched", x.receive_unmatched);
  v("napi", x.napi);
  v("imbalance", x.imbalance);
}

template <typename V> void fields(V& v, DropRow& x) {
  v("side", x.side);
  v("reason", x.reason);
  v("where", x.where);
  v("count", x.count);
}

template <typename V> void fields(V& v, Ledger& x) {
  v("source", x.source);
  v("unit", x.unit);
  v("sent", x.sent);
  v("delivered", x.delivered);
  v("attributed", x.attributed);
  v("unaccounted", x.unaccounted);
}

template <typename V> void fields(V& v, Drops& x) {
  v("ledger", x.ledger);
  v("by_reason", x.by_reason);
  v("unsent", x.unsent);
  v("kernel_seen", x.kernel_seen);
}

template <typename V> void fields(V& v, ProbeUnavailable& x) {
  v("name", x.name);
  v("reason", x.reason);
}

template <typename V> void fields(V& v, Sampling& x) {
  v("mode", x.mode);
  v("fraction", x.fraction);
  v("active_ms", x.active_ms);
  v("period_ms", x.period_ms);
  v("families", x.families);
}

template <typename V> void fields(V& v, ProgramCost& x) {
  v("name", x.name);
  v("run_cnt", x.run_cnt);
  v("run_time_ns", x.run_time_ns);
  v("ns_per_run", x.ns_per_run);
}

template <typename V> void fields(V& v, BpfCost& x) {
  v("programs", x.programs);
  v("run_cnt", x.run_cnt);
  v("run_time_ns", x.run_time_ns);
}

template <typename V> void fields(V& v, OverheadPair& x) {
  v("with_probes_pps", x.with_probes_pps);
  v("without_probes_pps", x.without_probes_pps);
}

template <typename V> void fields(V& v, OverheadThroughput& x) {
  v("pairs", x.pairs);
  v("median_with_pps", x.median_with_pps);
  v("median_without_pps", x.median_without_pps);
  v("ratio_of_medians", x.ratio_of_medians);
  v("ratio", x.ratio);
  v("cost", x.cost);
}

template <typename V> void fields(V& v, Overhead& x) {
  v("measured", x.measured);
  v.since_v1("bpf", x.bpf, Nullable<BpfCost>{});  // kernel-tcp wrote none
  v("throughput", x.throughput);
}

template <typename V> void fields(V& v, Probes& x) {
  v("active", x.active);
  v("unavailable", x.unavailable);
  v.since_v1("sampling", x.sampling, Nullable<Sampling>{});  // kernel-tcp wrote none
  v("overhead", x.overhead);
}

template <typename V> void fields(V& v, CounterGroups& x) {
  v("link", x.link);
  v("snmp", x.snmp);
  v("softnet", x.softnet);
  v("ethtool", x.ethtool);
  v("softnet_cpu", x.softnet_cpu);
  v("softirqs", x.softirqs);
  v("sockstat", x.sockstat);
  v("interrupts", x.interrupts);
}

template <typename V> void fields(V& v, SocketProcess& x) {
  v("comm", x.comm);
  v("pid", x.pid);
  v("fd", x.fd);
}

template <typename V> void fields(V& v, Socket& x) {
  v("netid", x.netid);
  v("state", x.state);
  v("local", x.local);
  v("lport", x.lport);
  v("peer", x.peer);
  v("pport", x.pport);
  v("recv_q", x.recv_q);
  v("send_q", x.send_q);
  v("uid", x.uid);
  v("inode", x.inode);
  v("cookie", x.cookie);
  v("ifindex", x.ifindex);
  v("timer", x.timer);
  v("timer_expires_ms", x.timer_expires_ms);
  v("cong", x.cong);
  v("skmem", x.skmem);
  v("tcp_info", x.tcp_info);
  v("users", x.users);
}

template <typename V> void fields(V& v, EthtoolSettings& x) {
  v("driver", x.driver);
  v("channels", x.channels);
  v("rings", x.rings);
  v("coalesce", x.coalesce);
  v("features", x.features);
  v("rss", x.rss);
  v("rx_flow_hash", x.rx_flow_hash);
  v("stats_error", x.stats_error);
}

template <typename V> void fields(V& v, LinkSettings& x) {
  v("ethtool", x.ethtool);
  v("queues", x.queues);
}

template <typename V> void fields(V& v, CounterSnapshot& x) {
  v("kind", x.kind);
  v("taken_ns", x.taken_ns);
  v("taken_at", x.taken_at);
  v("netns", x.netns);
  fields(v, x.groups);
  v("sockets", x.sockets);
  v("links", x.links);
  v("sysctls", x.sysctls);
  v("irq_names", x.irq_names);
}

template <typename V> void fields(V& v, CounterChange& x) {
  v("delta", x.delta);
  v("rate", x.rate);
}

template <typename V> void fields(V& v, SnapshotDiff& x) {
  v("kind", x.kind);
  v("from", x.from);
  v("to", x.to);
  v("netns", x.netns);
  v("interval_s", x.interval_s);
  v("changed", x.changed);
  v("sar", x.sar);
}

template <typename V> void fields(V& v, CounterDelta& x) {
  v("interval_s", x.interval_s);
  fields(v, x.groups);
}

template <typename V> void fields(V& v, ScenarioCounters& x) {
  v("dut", x.dut);
  v("tg", x.tg);
}

template <typename V> void fields(V& v, XdpEventRow& x) {
  v("ifindex", x.ifindex);
  v("side", x.side);
  v("exceptions", x.exceptions);
  v("redirect_err", x.redirect_err);
  v("bulk_tx_sent", x.bulk_tx_sent);
  v("bulk_tx_drops", x.bulk_tx_drops);
  v("devmap_xmit_sent", x.devmap_xmit_sent);
  v("devmap_xmit_drops", x.devmap_xmit_drops);
}

template <typename V> void fields(V& v, KernelView& x) {
  v("dut_udp_in_datagrams", x.dut_udp_in_datagrams);
  v("dut_udp_in_errors", x.dut_udp_in_errors);
  v("dut_udp_rcvbuf_errors", x.dut_udp_rcvbuf_errors);
  v("dut_udp_no_ports", x.dut_udp_no_ports);
  v("dut_ip_in_discards", x.dut_ip_in_discards);
  v("udp_attributed", x.udp_attributed);
  v("dut_link_rx_packets", x.dut_link_rx_packets);
  v("dut_link_rx_bytes", x.dut_link_rx_bytes);
  v("dut_link_rx_dropped", x.dut_link_rx_dropped);
  v("tg_link_tx_packets", x.tg_link_tx_packets);
  v("tg_link_tx_bytes", x.tg_link_tx_bytes);
  v("tg_link_tx_dropped", x.tg_link_tx_dropped);
  v("tg_tcp_out_segs", x.tg_tcp_out_segs);
  v("tg_tcp_retrans_segs", x.tg_tcp_retrans_segs);
  v("tg_tcp_active_opens", x.tg_tcp_active_opens);
  v("dut_tcp_in_segs", x.dut_tcp_in_segs);
  v("dut_tcp_in_errs", x.dut_tcp_in_errs);
  v("dut_tcp_passive_opens", x.dut_tcp_passive_opens);
  v("dut_tcp_rcv_pruned", x.dut_tcp_rcv_pruned);
  v("dut_tcp_backlog_drop", x.dut_tcp_backlog_drop);
  v("dut_tcp_ofo_queue", x.dut_tcp_ofo_queue);
  v("dut_tcp_dsack_old_sent", x.dut_tcp_dsack_old_sent);
  v("tg_tcp_timeouts", x.tg_tcp_timeouts);
  v("tg_tcp_loss_probes", x.tg_tcp_loss_probes);
  v("tg_tcp_spurious_rtos", x.tg_tcp_spurious_rtos);
  v("tg_tcp_dsack_recv", x.tg_tcp_dsack_recv);
  v("bpf_udp_queued", x.bpf_udp_queued);
  v("bpf_udp_read", x.bpf_udp_read);
  v("bpf_udp_fail_queue", x.bpf_udp_fail_queue);
  v("xdp_events", x.xdp_events);
  v("tg_refused", x.tg_refused);
}

template <typename V> void fields(V& v, XdpVerdicts& x) {
  v("packets", x.packets);
  v("aborted", x.aborted);
  v("drop", x.drop);
  v("pass", x.pass);
  v("tx", x.tx);
  v("redirect", x.redirect);
  v("tagged", x.tagged);
  v("malformed", x.malformed);
}

template <typename V> void fields(V& v, XdpCell& x) {
  v("cpu", x.cpu);
  v("rx_queue", x.rx_queue);
  v("packets", x.packets);
}

template <typename V> void fields(V& v, XdpBlock& x) {
  v("dut", x.dut);
  v("per_cpu_queue", x.per_cpu_queue);
  v("dut_latency", x.dut_latency);
  v("landing", x.landing);
}

template <typename V> void fields(V& v, AfxdpSocketRow& x) {
  v("queue", x.queue);
  v("bind_mode", x.bind_mode);
  v("zerocopy_refused", x.zerocopy_refused);
  v("busy_poll", x.busy_poll);
  v("delivered", x.delivered);
  v("rx_dropped", x.rx_dropped);
  v("rx_ring_full", x.rx_ring_full);
  v("rx_fill_ring_empty_descs", x.rx_fill_ring_empty_descs);
  v("rx_invalid_descs", x.rx_invalid_descs);
  v("tx_ring_empty_descs", x.tx_ring_empty_descs);
  v("redirected", x.redirected);
  v("fallback", x.fallback);
}

template <typename V> void fields(V& v, AfxdpBlock& x) {
  v("sockets", x.sockets);
  v("redirected", x.redirected);
  v("fallback", x.fallback);
  v("l2fwd_tx", x.l2fwd_tx);
  v("l2fwd_completed", x.l2fwd_completed);
  v("received", x.received);
}

template <typename V> void fields(V& v, TcpSkmem& x) {
  v("rmem_alloc", x.rmem_alloc);
  v("rcvbuf", x.rcvbuf);
  v("wmem_alloc", x.wmem_alloc);
  v("sndbuf", x.sndbuf);
  v("wmem_queued", x.wmem_queued);
  v("backlog", x.backlog);
  v("drops", x.drops);
}

template <typename V> void fields(V& v, TcpConnection& x) {
  v("src", x.src);
  v("sport", x.sport);
  v("dst", x.dst);
  v("dport", x.dport);
  v("state", x.state);
  v("inode", x.inode);
  v("rqueue", x.rqueue);
  v("wqueue", x.wqueue);
  v("cong", x.cong);
  v("tcp_info_len", x.tcp_info_len);
  v("rtt_us", x.rtt_us);
  v("rttvar_us", x.rttvar_us);
  v("min_rtt_us", x.min_rtt_us);
  v("snd_cwnd", x.snd_cwnd);
  v("snd_ssthresh", x.snd_ssthresh);
  v("snd_mss", x.snd_mss);
  v("rcv_mss", x.rcv_mss);
  v("retrans", x.retrans);
  v("total_retrans", x.total_retrans);
  v("lost", x.lost);
  v("segs_out", x.segs_out);
  v("segs_in", x.segs_in);
  v("data_segs_out", x.data_segs_out);
  v("data_segs_in", x.data_segs_in);
  v("pacing_rate_Bps", x.pacing_rate_Bps);
  v("delivery_rate_Bps", x.delivery_rate_Bps);
  v("bytes_acked", x.bytes_acked);
  v("bytes_received", x.bytes_received);
  v("bytes_sent", x.bytes_sent);
  v("bytes_retrans", x.bytes_retrans);
  v("busy_time_us", x.busy_time_us);
  v("rwnd_limited_us", x.rwnd_limited_us);
  v("sndbuf_limited_us", x.sndbuf_limited_us);
  v("skmem", x.skmem);
}

template <typename V> void fields(V& v, TcpTrial& x) {
  v("mode", x.mode);
  v("message_size", x.message_size);
  v("flows", x.flows);
  v("bytes", x.bytes);
  v("throughput_bps", x.throughput_bps);
  v("transactions", x.transactions);
  v("tps", x.tps);
  v("retransmits", x.retransmits);
  v("connections", x.connections);
  v("tag_mismatches", x.tag_mismatches);
}

template <typename V> void fields(V& v, TcpTotals& x) {
  v("mode", x.mode);
  v("message_size", x.message_size);
  v("trials", x.trials);
  v("seconds", x.seconds);
  v("bytes", x.bytes);
  v("throughput_bps", x.throughput_bps);
  v("transactions", x.transactions);
  v("tps", x.tps);
  v("retransmits", x.retransmits);
}

template <typename V> void fields(V& v, Traffic& x) {
  v("generator", x.generator);
  v("frame_size", x.frame_size);
  v("flows", x.flows);
  v("offered_pps", x.offered_pps);
  v("rcu_expedited", x.rcu_expedited);
}

template <typename V> void fields(V& v, Topology& x) {
  v("kind", x.kind);
  v("queues", x.queues);
  v("tg_netns", x.tg_netns);
  v("dut_netns", x.dut_netns);
  v("tg_if", x.tg_if);
  v("dut_if", x.dut_if);
  v("tg_ip", x.tg_ip);
  v("dut_ip", x.dut_ip);
  v("redirect_if", x.redirect_if);
  v("dut_gro", x.dut_gro);
  v("tg_tso", x.tg_tso);
  v("rps_cpus", x.rps_cpus);
  v("xps_cpus", x.xps_cpus);
  v("rfs_entries", x.rfs_entries);
  v("qdisc", x.qdisc);
  v("xdp_mode", x.xdp_mode);
  v("pmd", x.pmd);
  v("xdp_verdict", x.xdp_verdict);
  v("afxdp_mode", x.afxdp_mode);
  v("afxdp_bind", x.afxdp_bind);
  v("busy_poll", x.busy_poll);
  v("rcvbuf", x.rcvbuf);
  v("dpdk_engine", x.dpdk_engine);
  v("dpdk_driver", x.dpdk_driver);
  v("dpdk_workers", x.dpdk_workers);
  v("tcp_mode", x.tcp_mode);
  v("message_size", x.message_size);
  v("port", x.port);
}

template <typename V> void fields(V& v, Trial& x) {
  v("repetition", x.repetition);
  v("role", x.role);
  v("offered_pps", x.offered_pps);
  v("duration_s", x.duration_s);
  v.since_v1("unit", x.unit, std::string(kUnitPackets));
  v("sent", x.sent);
  v("delivered", x.delivered);
  v("loss_ratio", x.loss_ratio);
  v("rx_pps", x.rx_pps);
  v("tx_pps", x.tx_pps);
  v("send_errors", x.send_errors);
  v("lost", x.lost);
  v("reordered", x.reordered);
  v("duplicates", x.duplicates);
  v("malformed", x.malformed);
  v("per_queue", x.per_queue);
  v("per_cpu", x.per_cpu);
  v("bytes_sent", x.bytes_sent);
  v("bytes_received", x.bytes_received);
  v("latency", x.latency);
  v("ledger", x.ledger);
  v("drops", x.drops);
  v("unsent", x.unsent);
  v("kernel_seen_drops", x.kernel_seen_drops);
  v("kernel", x.kernel);
  v("xdp", x.xdp);
  v("afxdp", x.afxdp);
  v("dpdk", x.dpdk);
  v("tcp", x.tcp);
  v("stages", x.stages);
  v("spread", x.spread);
  v("queues", x.queues);
}

template <typename V> void fields(V& v, Throughput& x) {
  v.since_v1("unit", x.unit, std::string(kUnitPackets));
  v("sent", x.sent);
  v("delivered", x.delivered);
  v("rx_pps", x.rx_pps);
  v("loss_ratio", x.loss_ratio);
  v("ndr_pps", x.ndr_pps);
  v("pdr_pps", x.pdr_pps);
  v("search", x.search);
}

template <typename V> void fields(V& v, SearchTrial& x) {
  v("role", x.role);
  v("offered_pps", x.offered_pps);
  v("duration_s", x.duration_s);
  v("effective_s", x.effective_s);
  v("intended", x.intended);
  v("sent", x.sent);
  v("unsent", x.unsent);
  v("delivered", x.delivered);
  v("loss_ratio", x.loss_ratio);
  v("rx_pps", x.rx_pps);
  v("generator_bound", x.generator_bound);
  v("negative_loss", x.negative_loss);
  v("moved", x.moved);
}

template <typename V> void fields(V& v, SearchGoal& x) {
  v("loss_ratio", x.loss_ratio);
  v("lower_bound_pps", x.lower_bound_pps);
  v("upper_bound_pps", x.upper_bound_pps);
  v("conditional_pps", x.conditional_pps);
  v("width", x.width);
  v("regular", x.regular);
  v("irregular", x.irregular);
}

template <typename V> void fields(V& v, Search& x) {
  v("method", x.method);
  v("pdr_loss", x.pdr_loss);
  v("width", x.width);
  v("exceed_ratio", x.exceed_ratio);
  v("initial_duration_s", x.initial_duration_s);
  v("final_duration_s", x.final_duration_s);
  v("duration_sum_s", x.duration_sum_s);
  v("preceding_targets", x.preceding_targets);
  v("max_time_s", x.max_time_s);
  v("min_load_pps", x.min_load_pps);
  v("max_load_pps", x.max_load_pps);
  v("unsent_tolerance", x.unsent_tolerance);
  v("load_unit", x.load_unit);
  v("ndr", x.ndr);
  v("pdr", x.pdr);
  v("search_time_s", x.search_time_s);
  v("trial_count", x.trial_count);
  v("timed_out", x.timed_out);
  v("generator_bound", x.generator_bound);
  v("trials", x.trials);
}

template <typename V> void fields(V& v, LatencyAtFraction& x) {
  v("fraction", x.fraction);
  v("offered_pps", x.offered_pps);
  v("rx_pps", x.rx_pps);
  v("loss_ratio", x.loss_ratio);
  v("latency", x.latency);
}

template <typename V> void fields(V& v, MetricStats& x) {
  v("values", x.values);
  v("median", x.median);
  v("min", x.min);
  v("max", x.max);
  v("mad", x.mad);
}

template <typename V> void fields(V& v, Repetitions& x) {
  v("count", x.count);
  v("representative", x.representative);
  v("primary", x.primary);
  v("metrics", x.metrics);
  v.since_v1("failed", x.failed, std::vector<std::string>{});
}

template <typename V> void fields(V& v, Capture& x) {
  v("file", x.file);
  v("requested", x.requested);
  v("packets", x.packets);
  v("where", x.where);
  v("interface", x.interface);
  v("netns", x.netns);
  v("dropped", x.dropped);
  v("error", x.error);
}

template <typename V> void fields(V& v, ToolRecord& x) {
  v("status", x.status);
  v("reason", x.reason);
  v("netns", x.netns);
  v("events_seen", x.events_seen);
  v("events_cut", x.events_cut);
  v("events", x.events);
  v("summary", x.summary);
  v("lost", x.lost);
  v("notes", x.notes);
}

template <typename V> void fields(V& v, Scenario& x) {
  v("name", x.name);
  v("path", x.path);
  v("status", x.status);
  v("reason", x.reason);
  v("given", x.given);
  v("traffic", x.traffic);
  v("topology", x.topology);
  v("trials", x.trials);
  v("throughput", x.throughput);
  v("latency", x.latency);
  v("stages", x.stages);
  v("drops", x.drops);
  v("spread", x.spread);
  v("queues", x.queues);
  v("counters", x.counters);
  v("probes", x.probes);
  v("tcp", x.tcp);
  v("latency_at_fraction", x.latency_at_fraction);
  v("repetitions", x.repetitions);
  v("capture", x.capture);
  v("tools", x.tools);
}

template <typename V> void fields(V& v, Feature& x) {
  v("ok", x.ok);
  v("errno", x.errno_name);
  v("error", x.error);
}

template <typename V> void fields(V& v, KernelFacts& x) {
  v("release", x.release);
  v("btf", x.btf);
}

template <typename V> void fields(V& v, Mount& x) {
  v("ok", x.ok);
  v("path", x.path);
  v("mounted_now", x.mounted_now);
  v("errno", x.errno_name);
  v("error", x.error);
}

template <typename V> void fields(V& v, AttachTypes& x) {
  v("tracepoint", x.tracepoint);
  v("raw_tp", x.raw_tp);
  v("tp_btf", x.tp_btf);
  v("kprobe", x.kprobe);
  v("fentry", x.fentry);
}

template <typename V> void fields(V& v, XdpFeatures& x) {
  v("native", x.native);
  v("generic", x.generic);
  v("test_run_live_frames", x.test_run_live_frames);
}

template <typename V> void fields(V& v, DpdkFeatures& x) {
  v("built", x.built);
  v("version", x.version);
  v("pmds", x.pmds);
  v("pmd_dirs", x.pmd_dirs);
}

template <typename V> void fields(V& v, Hugepages& x) {
  v("total", x.total);
  v("free", x.free);
  v("size_kb", x.size_kb);
}

template <typename V> void fields(V& v, Cpus& x) {
  v("online", x.online);
  v("model", x.model);
}

template <typename V> void fields(V& v, Nic& x) {
  v("name", x.name);
  v("driver", x.driver);
  v("operstate", x.operstate);
  v("mtu", x.mtu);
  v("rx_queues", x.rx_queues);
  v("tx_queues", x.tx_queues);
}

template <typename V> void fields(V& v, Capabilities& x) {
  v("kernel", x.kernel);
  v("tracefs", x.tracefs);
  v("bpffs", x.bpffs);
  v("attach", x.attach);
  v("xdp", x.xdp);
  v("af_xdp", x.af_xdp);
  v("dpdk", x.dpdk);
  v("hugepages", x.hugepages);
  v("cpus", x.cpus);
  v("memory_bytes", x.memory_bytes);
  v("nics", x.nics);
}

template <typename V> void fields(V& v, Tool& x) {
  v("name", x.name);
  v("version", x.version);
  v("git", x.git);
}

template <typename V> void fields(V& v, Host& x) {
  v("cpus", x.cpus);
  v("cpu_model", x.cpu_model);
  v("memory", x.memory);
}

template <typename V> void fields(V& v, Context& x) {
  v("tool", x.tool);
  v("started_at", x.started_at);
  v("duration_s", x.duration_s);
  v("host", x.host);
  v("kernel", x.kernel);
  v("capabilities", x.capabilities);
  v("suite", x.suite);
}

template <typename V> void fields(V& v, Report& x) {
  v("schema_version", x.schema_version);
  v("context", x.context);
  v("scenarios", x.scenarios);
}

template <typename V> void fields(V& v, GenerateResult& x) {
  v("generator", x.generator);
  v("sent", x.sent);
  v("bytes", x.bytes);
  v("send_errors", x.send_errors);
  v("elapsed_s", x.elapsed_s);
  v("tx_pps", x.tx_pps);
}

template <typename V> void fields(V& v, CleanupResult& x) {
  v("removed", x.removed);
  v("errors", x.errors);
}

template <typename V> void fields(V& v, DryRunScenario& x) {
  v("name", x.name);
  v("path", x.path);
  v("estimated_s", x.estimated_s);
  v("given", x.given);
}

template <typename V> void fields(V& v, DryRun& x) {
  v("repeat", x.repeat);
  v("estimated_s", x.estimated_s);
  v("scenarios", x.scenarios);
}

template <typename V> void fields(V& v, CompareRow& x) {
  v("scenario", x.scenario);
  v("metric", x.metric);
  v("better", x.better);
  v("gated", x.gated);
  v("base", x.base);
  v("new", x.new_value);
  v("change", x.change);
  v("difference", x.difference);
  v("by_difference", x.by_difference);
  v("limit", x.limit);
  v("p_value", x.p_value);
  v("n_base", x.n_base);
  v("n_new", x.n_new);
  v("verdict", x.verdict);
  v("confirmed", x.confirmed);
  v("note", x.note);
  v("base_values", x.base_values);
  v("new_values", x.new_values);
}

template <typename V> void fields(V& v, CompareResult& x) {
  v("schema_version", x.schema_version);
  v("base", x.base);
  v("new", x.new_file);
  v("threshold", x.threshold);
  v("alpha", x.alpha);
  v("rows", x.rows);
  v("only_in_base", x.only_in_base);
  v("only_in_new", x.only_in_new);
  v("warnings", x.warnings);
  v("not_comparable", x.not_comparable);
  v("regressions", x.regressions);
  v("improvements", x.improvements);
  v("errors", x.errors);
  v("regression", x.regression);
}

template <typename V> void fields(V& v, PivotCell& x) {
  v("value", x.value);
  v("text", x.text);
  v("low", x.low);
  v("high", x.high);
  v("best", x.best);
  v("tie", x.tie);
}

template <typename V> void fields(V& v, PivotMetric& x) {
  v("name", x.name);
  v("better", x.better);
  v("unit", x.unit);
}

template <typename V> void fields(V& v, PivotRow& x) {
  v("key_values", x.key_values);
  v("scenarios", x.scenarios);
  v("cells", x.cells);
}

template <typename V> void fields(V& v, PivotTable& x) {
  v("keys", x.keys);
  v("metrics", x.metrics);
  v("rows", x.rows);
}

template <typename V> void fields(V& v, ErrorDoc& x) {
  v("error", x.error);
  v("exit_code", x.exit_code);
}

// ---------------------------------------------------------------------------------------
// Shapes of member types.

template <typename T> struct IsOptional : std::false_type {};
template <typename T> struct IsOptional<std::optional<T>> : std::true_type {};
template <typename T> struct IsNullable : std::false_type {};
template <typename T> struct IsNullable<Nullable<T>> : std::true_type {};
template <typename T> struct IsVector : std::false_type {};
template <typename T> struct IsVector<std::vector<T>> : std::true_type {};
template <typename T> struct IsMap : std::false_type {};
template <typename T> struct IsMap<std::map<std::string, T>> : std::true_type {};
template <typename T> struct IsPair : std::false_type {};
template <typename A, typename B> struct IsPair<std::pair<A, B>> : std::true_type {};
template <typename T> struct IsVariant : std::false_type {};
template <typename A, typename B> struct IsVariant<std::variant<A, B>> : std::true_type {};

struct Writer;
struct Reader;
template <typename T>
concept Record = requires(Writer& w, T& x) { fields(w, x); };

// ---------------------------------------------------------------------------------------
// The writer.

template <typename T> json write(const T& x);

struct Writer {
  json& out;
  template <typename T>
  void operator()(const char* key, const T& value) {
    if constexpr (IsOptional<T>::value) {
      if (value) out[key] = write(*value);
    } else {
      out[key] = write(value);
    }
  }
  void constant(const char* key, const char* text) { out[key] = text; }
  template <typename T>
  void since_v1(const char* key, const T& value, const T&) { (*this)(key, value); }
  void whole(const char* key, const std::optional<double>& value) {
    if (!value) return;
    double d = *value;
    if (d >= 0 && d < 1e15 && std::floor(d) == d) out[key] = uint64_t(d);
    else out[key] = d;
  }
};

template <typename T>
json write(const T& x) {
  if constexpr (IsNullable<T>::value) {
    return x ? write(*x) : json(nullptr);
  } else if constexpr (IsVector<T>::value) {
    json a = json::array();
    for (const auto& e : x) a.push_back(write(e));
    return a;
  } else if constexpr (IsMap<T>::value) {
    json o = json::object();
    for (const auto& [k, e] : x) o[k] = write(e);
    return o;
  } else if constexpr (IsPair<T>::value) {
    return json::array({write(x.first), write(x.second)});
  } else if constexpr (IsVariant<T>::value) {
    return std::visit([](const auto& alt) { return write(alt); }, x);
  } else if constexpr (std::is_same_v<T, RawJson>) {
    return json::parse(x.text);
  } else if constexpr (Record<T>) {
    json o = json::object();
    Writer w{o};
    // The field lists take non-const references so the reader can share them; the writer
    // only reads.
    fields(w, const_cast<T&>(x));
    return o;
  } else {
    return json(x);
  }
}

template <typename T>
std::string text_of(const T& doc) {
  return write(doc).dump(2, ' ', false, json::error_handler_t::replace);
}

// ---------------------------------------------------------------------------------------
// The reader.

[[noreturn]] void bad(const std::string& where, const std::string& path, const std::string& what) {
  throw core::UsageError(fmt::format("{}: {}: {}", where, path, what));
}

std::string type_of(const json& j) { return j.type_name(); }

template <typename T> void read(const json& j, T& x, const std::string& where, const std::string& path);

struct Reader {
  const json& in;
  const std::string& where;
  std::string path;

  std::string at(const char* key) const { return path.empty() ? key : path + "." + key; }

  template <typename T>
  void operator()(const char* key, T& value) {
    auto it = in.find(key);
    if constexpr (IsOptional<T>::value) {
      if (it == in.end() || it->is_null()) return;
      value.emplace();
      read(*it, *value, where, at(key));
    } else {
      if (it == in.end()) bad(where, at(key), "missing");
      read(*it, value, where, at(key));
    }
  }
  void constant(const char* key, const char* text) {
    auto it = in.find(key);
    if (it != in.end() && !(it->is_string() && it->get<std::string>() == text))
      bad(where, at(key), fmt::format("expected \"{}\", got {}", text, it->dump()));
  }
  void whole(const char* key, std::optional<double>& value) { (*this)(key, value); }
  template <typename T>
  void since_v1(const char* key, T& value, const T& absent) {
    if (in.contains(key)) (*this)(key, value);
    else value = absent;
  }
};

template <typename T>
void read(const json& j, T& x, const std::string& where, const std::string& path) {
  auto expect = [&](bool ok, const char* what) {
    if (!ok) bad(where, path, fmt::format("expected {}, got {}", what, type_of(j)));
  };
  if constexpr (IsNullable<T>::value) {
    if (j.is_null()) {
      x.reset();
    } else {
      x.emplace();
      read(j, *x, where, path);
    }
  } else if constexpr (IsVector<T>::value) {
    expect(j.is_array(), "an array");
    x.clear();
    x.resize(j.size());
    for (size_t i = 0; i < j.size(); ++i) read(j[i], x[i], where, fmt::format("{}[{}]", path, i));
  } else if constexpr (IsMap<T>::value) {
    expect(j.is_object(), "an object");
    x.clear();
    for (const auto& [k, e] : j.items()) read(e, x[k], where, path + "." + k);
  } else if constexpr (IsPair<T>::value) {
    expect(j.is_array() && j.size() == 2, "a pair [a, b]");
    read(j[0], x.first, where, path + "[0]");
    read(j[1], x.second, where, path + "[1]");
  } else if constexpr (std::is_same_v<T, std::variant<Latency, Absent>> ||
                       std::is_same_v<T, std::variant<Queue, Absent>>) {
    expect(j.is_object(), "an object");
    if (j.contains("absent")) {
      read(j, x.template emplace<Absent>(), where, path);
    } else {
      read(j, x.template emplace<0>(), where, path);
    }
  } else if constexpr (IsVariant<T>::value) {
    // Probed<T>: the part, or the Feature that says why it could not be read.
    bool failure = j.is_object() && j.contains("ok") && j.contains("error");
    if (failure) {
      read(j, x.template emplace<Feature>(), where, path);
    } else {
      read(j, x.template emplace<0>(), where, path);
    }
  } else if constexpr (std::is_same_v<T, RawJson>) {
    x.text = j.dump();
  } else if constexpr (Record<T>) {
    expect(j.is_object(), "an object");
    Reader r{j, where, path};
    fields(r, x);
  } else if constexpr (std::is_same_v<T, std::string>) {
    expect(j.is_string(), "a string");
    x = j.get<std::string>();
  } else if constexpr (std::is_same_v<T, bool>) {
    expect(j.is_boolean(), "true or false");
    x = j.get<bool>();
  } else if constexpr (std::is_floating_point_v<T>) {
    expect(j.is_number(), "a number");
    x = j.get<T>();
  } else if constexpr (std::is_unsigned_v<T>) {
    expect(j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0), "a non-negative integer");
    uint64_t v = j.get<uint64_t>();
    if (v > std::numeric_limits<T>::max()) bad(where, path, fmt::format("{} is out of range", v));
    x = T(v);
  } else if constexpr (std::is_integral_v<T>) {
    expect(j.is_number_integer(), "an integer");
    if (j.is_number_unsigned() && j.get<uint64_t>() > uint64_t(std::numeric_limits<T>::max()))
      bad(where, path, fmt::format("{} is out of range", j.dump()));
    int64_t v = j.get<int64_t>();
    if (v < int64_t(std::numeric_limits<T>::min()) || v > int64_t(std::numeric_limits<T>::max()))
      bad(where, path, fmt::format("{} is out of range", v));
    x = T(v);
  } else {
    static_assert(sizeof(T) == 0, "no JSON reading for this type");
  }
}

// What a schema cannot say about a scenario: one whose status is ok has every section.
void check_scenario(const Scenario& s, const std::string& where, const std::string& path) {
  if (s.name.empty()) bad(where, path + ".name", "empty");
  if (s.status != kStatusOk && s.status != kStatusSkipped && s.status != kStatusError)
    bad(where, path + ".status", fmt::format("\"{}\" is not ok, skipped or error", s.status));
  if (s.status != kStatusOk) {
    if (!s.reason || s.reason->empty()) bad(where, path + ".reason", "missing: a scenario that is not ok says why");
    return;
  }
  auto need = [&](bool present, const char* key) {
    if (!present) bad(where, path + "." + key, "missing (a scenario with status ok has one)");
  };
  need(s.traffic.has_value(), "traffic");
  need(s.topology.has_value(), "topology");
  need(s.trials.has_value(), "trials");
  need(s.throughput.has_value(), "throughput");
  need(s.latency.has_value(), "latency");
  need(s.drops.has_value(), "drops");
  need(s.counters.has_value(), "counters");
  need(s.probes.has_value(), "probes");
  if (s.trials->empty()) bad(where, path + ".trials", "empty (a scenario with status ok ran a trial)");
}

}  // namespace

std::string to_json_text(const Report& report) { return text_of(report); }
std::string to_json_text(const Capabilities& caps) { return text_of(caps); }
std::string to_json_text(const CounterSnapshot& snapshot) { return text_of(snapshot); }
std::string to_json_text(const CounterDelta& delta) { return text_of(delta); }
std::string to_json_text(const SnapshotDiff& diff) { return text_of(diff); }
std::string to_json_text(const GenerateResult& result) { return text_of(result); }
std::string to_json_text(const CleanupResult& result) { return text_of(result); }
std::string to_json_text(const DryRun& dry_run) { return text_of(dry_run); }
std::string to_json_text(const ErrorDoc& error) { return text_of(error); }
std::map<std::string, std::string> given_values(const RawJson& given) {
  std::map<std::string, std::string> out;
  json j = json::parse(given.text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  for (const auto& [key, value] : j.items()) out[key] = value.is_string() ? value.get<std::string>() : value.dump();
  return out;
}

std::string to_json_text(const CompareResult& result) { return text_of(result); }
std::string to_json_text(const PivotTable& table) { return text_of(table); }

CounterSnapshot snapshot_from_json(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw core::UsageError(fmt::format("{}: not valid JSON: {}", where, e.what()));
  }
  if (!j.is_object())
    throw core::UsageError(fmt::format("{}: not a pathbench snapshot (top level is {}, not an object)", where,
                                       j.type_name()));
  auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string() || kind->get<std::string>() != kSnapshotKind)
    throw core::UsageError(fmt::format("{}: not a pathbench snapshot (\"kind\" is {}, not \"{}\"{})", where,
                                       kind == j.end() ? "missing" : kind->dump(), kSnapshotKind,
                                       j.contains("schema_version") ? "; this looks like a run report" : ""));
  CounterSnapshot s;
  read(j, s, where, "");
  return s;
}

Report report_from_json(const std::string& text, const std::string& where) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw core::UsageError(fmt::format("{}: not valid JSON: {}", where, e.what()));
  }
  if (!j.is_object())
    throw core::UsageError(fmt::format("{}: not a pathbench report (top level is {}, not an object)", where,
                                       j.type_name()));
  auto version = j.find("schema_version");
  if (version == j.end()) throw core::UsageError(fmt::format("{}: no schema_version (not a pathbench report?)", where));
  if (!version->is_number_integer() || version->get<int64_t>() != kReportSchemaVersion)
    throw core::UsageError(fmt::format("{}: schema_version {} is not supported (this pathbench reads {})", where,
                                       version->dump(), kReportSchemaVersion));
  Report r;
  read(j, r, where, "");
  for (size_t i = 0; i < r.scenarios.size(); ++i) check_scenario(r.scenarios[i], where, fmt::format("scenarios[{}]", i));
  return r;
}

}  // namespace pb::reports
