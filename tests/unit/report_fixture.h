// A report model with every kind of field filled, for the golden writer test, the reader's
// round trip and the renderers: an ok kernel-udp scenario (stages, spread, queues, drops,
// probes with sampling, cost and overhead), an xdp-tx, an afxdp, a dpdk and a kernel-tcp
// rr scenario with their own blocks, and a skipped one.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "reports/model/report.h"

namespace pb::test {

inline reports::Latency fixture_latency(uint64_t base, uint64_t count) {
  reports::Latency l;
  l.count = count;
  l.min = base;
  l.mean = double(base) * 1.5 + 0.25;
  l.p50 = base + 100;
  l.p90 = base + 300;
  l.p99 = base + 900;
  l.p999 = base + 1200;
  l.max = base + 1500;
  l.histogram = {{base, count / 2}, {base + 1199, count - count / 2}};
  return l;
}

inline reports::Queue fixture_queue(const std::string& unit) {
  reports::Queue q;
  q.unit = unit;
  q.count = 40;
  q.max = 31;
  q.p50 = 4;
  q.p99 = 30;
  q.histogram = {{4, 30}, {31, 10}};
  q.interval_ms = 100;
  q.series = {3, {}, 31};
  return q;
}

inline reports::Topology fixture_topology(unsigned queues) {
  reports::Topology t;
  t.kind = "veth";
  t.queues = queues;
  t.tg_netns = "pb-0a1b2c3d-s0-tg";
  t.dut_netns = "pb-0a1b2c3d-s0-dut";
  t.tg_if = "pb-tg0";
  t.dut_if = "pb-dut0";
  t.tg_ip = "198.18.0.1";
  t.dut_ip = "198.18.0.2";
  t.dut_gro = true;
  t.qdisc = "noqueue";
  return t;
}

inline reports::ScenarioCounters fixture_counters() {
  reports::ScenarioCounters c;
  c.dut.interval_s = 2.25;
  c.dut.groups.link["pb-dut0"] = {{"rx_packets", 100000}, {"rx_dropped", 0}};
  c.dut.groups.snmp["Udp"] = {{"InDatagrams", 99000}, {"RcvbufErrors", 880}};
  c.dut.groups.snmp["Tcp"] = {{"CurrEstab", -1}};
  c.dut.groups.softnet = {{"processed", 100120}, {"time_squeeze", 3}};
  c.tg.interval_s = 2.25;
  c.tg.groups.link["pb-tg0"] = {{"tx_packets", 100000}};
  return c;
}

inline reports::Probes fixture_probes() {
  reports::Probes p;
  p.active = {"drops:tp_btf/kfree_skb", "spread:tp_btf/netif_receive_skb"};
  p.unavailable = {{"drops:xdp_cpumap_kthread", "no such tracepoint in this kernel's BTF"}};
  reports::Sampling s;
  s.mode = "windows";
  s.fraction = 0.1;
  s.active_ms = 100;
  s.period_ms = 1000;
  s.families = {"spread", "queues", "stages"};
  p.sampling = s;
  reports::BpfCost cost;
  cost.programs = {{"drops:tp_btf/kfree_skb", 900, 81000, 90.0}};
  cost.run_cnt = 900;
  cost.run_time_ns = 81000;
  p.overhead.bpf = cost;
  return p;
}

inline reports::Trial fixture_packet_trial() {
  reports::Trial t;
  t.offered_pps = 0;
  t.duration_s = 2.0;
  t.sent = 100000;
  t.delivered = 99000;
  t.loss_ratio = 0.01;
  t.rx_pps = 49500.0;
  t.tx_pps = 50000.5;
  t.send_errors = 2;
  t.lost = 1000;
  t.reordered = 0;
  t.duplicates = 0;
  t.malformed = 0;
  t.per_queue = std::vector<uint64_t>{49000, 50000};
  t.per_cpu = std::vector<uint64_t>{};
  t.latency = fixture_latency(2000, 99000);
  t.ledger = {"receiver+kfree_skb", {}, 100000, 99000, 880, 120};
  t.drops = {{"dut", "SOCKET_RCVBUFF", "udp_queue_rcv_one_skb+0x3c", 880}};
  t.unsent = std::vector<reports::DropRow>{{"tg", "QDISC_DROP", "__dev_queue_xmit+0x6e", 7}};
  reports::KernelView& k = t.kernel;
  k.dut_udp_in_datagrams = 99000;
  k.dut_udp_in_errors = 880;
  k.dut_udp_rcvbuf_errors = 880;
  k.dut_udp_no_ports = 0;
  k.dut_ip_in_discards = 0;
  k.dut_link_rx_packets = 99880;
  k.dut_link_rx_dropped = 0;
  k.tg_link_tx_packets = 100000;
  k.tg_link_tx_dropped = 0;
  k.udp_attributed = 880;
  k.bpf_udp_fail_queue = 0;
  k.xdp_events = std::vector<reports::XdpEventRow>{{7, "dut", 0, 0, 0, 0, 0, 0}};
  k.tg_refused = 0;
  reports::Stages stages;
  stages["rx_birth_to_netif_receive"] = fixture_latency(400, 9900);
  stages["tx_qdisc_sojourn"] = reports::Absent{"qdisc noqueue on the TG link: no enqueue/dequeue"};
  t.stages = stages;
  reports::Spread sp;
  sp.per_cpu = {{.cpu = 0, .packets = {}, .birth = 5000, .receive = 5000}, {.cpu = 1, .packets = {}, .birth = 4900, .receive = 4900}};
  sp.per_rx_queue = {{0, 5000}, {1, 4900}};
  sp.rx_queue_unrecorded = 0;
  sp.rps_moved = 0;
  sp.receive_unmatched = 0;
  sp.napi = reports::Napi{120, 9900, 3, 82.5, 64.0};
  sp.imbalance = {1.0101, 0.9999, 2u, {}};
  t.spread = sp;
  reports::Queues queues;
  queues["socket_rmem"] = fixture_queue("bytes");
  queues["qdisc_qlen"] = reports::Absent{"no qdisc_enqueue on the TG device in this trial"};
  t.queues = queues;
  return t;
}

inline reports::Scenario fixture_kernel_udp() {
  reports::Scenario s;
  s.name = "kernel-udp/rate=max";
  s.path = "kernel-udp";
  s.given = reports::RawJson{R"({"duration":2,"path":"kernel-udp","rate":"max"})"};
  s.traffic = reports::Traffic{"udp-socket", 66, 8, 0, "probe windows"};
  s.topology = fixture_topology(2);
  s.topology->rcvbuf = 4096;
  s.topology->rps_cpus = std::string("3");
  s.trials = std::vector<reports::Trial>{fixture_packet_trial()};
  s.throughput = reports::Throughput{reports::kUnitPackets, 100000, 99000, 49500.0, 0.01, {}, {}, {}};
  s.latency = fixture_latency(2000, 99000);
  s.stages = s.trials->front().stages;
  s.drops = reports::Drops{{{}, {}, 100000, 99000, 880, 120},
                           {{"dut", "SOCKET_RCVBUFF", "udp_queue_rcv_one_skb+0x3c", 880}},
                           std::vector<reports::DropRow>{{"tg", "QDISC_DROP", "__dev_queue_xmit+0x6e", 7}},
                           {}};
  reports::Spread sp;
  sp.per_cpu = {{.cpu = 0, .packets = 99000, .birth = {}, .receive = {}}};
  sp.per_rx_queue = {{0, 49000}, {1, 50000}};
  sp.imbalance = {1.0101, 0.9999, {}, {}};
  sp.rps_moved = 0;
  s.spread = sp;
  s.queues = s.trials->front().queues;
  s.counters = fixture_counters();
  s.probes = fixture_probes();
  reports::OverheadThroughput ot;
  ot.pairs = {{51000.0, 52000.0}, {50500.0, {}}};
  ot.median_with_pps = 50750.0;
  ot.median_without_pps = 52000.0;
  ot.ratio_of_medians = 0.976;
  ot.ratio = 0.98;
  ot.cost = 0.02;
  s.probes->overhead.measured = true;
  s.probes->overhead.throughput = ot;
  return s;
}

inline reports::Scenario fixture_xdp_tx() {
  reports::Scenario s;
  s.name = "xdp-tx/rate=50000";
  s.path = "xdp-tx";
  s.given = reports::RawJson{R"({"path":"xdp-tx","rate":50000})"};
  s.traffic = reports::Traffic{"xdp-live", 66, 8, 50000, "xdp-live"};
  s.topology = fixture_topology(2);
  s.topology->xdp_mode = std::string("native");
  s.topology->xdp_verdict = "tx";
  reports::Trial t;
  t.offered_pps = 50000;
  t.duration_s = 1.0;
  t.sent = t.delivered = 50000;
  t.rx_pps = 50000;
  t.latency = fixture_latency(6000, 50000);
  t.ledger = {"receiver+kfree_skb", {}, 50000, 50000, 0, 0};
  t.unsent = std::vector<reports::DropRow>{};
  reports::XdpBlock x;
  x.dut = {50000, 0, 0, 0, 50000, 0, 50000, 0};
  x.per_cpu_queue = {{0, 0, 25000}, {1, 1, 25000}};
  x.dut_latency = fixture_latency(3000, 50000);
  x.landing = reports::XdpVerdicts{50000, 0, 50000, 0, 0, 0, 50000, 0};
  t.xdp = x;
  s.trials = std::vector<reports::Trial>{t};
  s.throughput = reports::Throughput{reports::kUnitPackets, 50000, 50000, 50000.0, 0.0, {}, {}, {}};
  s.latency = t.latency;
  s.drops = reports::Drops{{{}, {}, 50000, 50000, 0, 0}, {}, std::vector<reports::DropRow>{}, {}};
  s.counters = fixture_counters();
  s.probes = reports::Probes{{"xdp_verdict:tx"}, {}, {}, {}};
  return s;
}

inline reports::Scenario fixture_afxdp_dpdk(bool dpdk) {
  reports::Scenario s;
  s.name = dpdk ? "dpdk/pmd=af_xdp/rate=max" : "afxdp/afxdp_mode=l2fwd";
  s.path = dpdk ? "dpdk" : "afxdp";
  s.given = reports::RawJson{"{}"};
  s.traffic = reports::Traffic{"xdp-live", 66, 8, 0, {}};
  s.topology = fixture_topology(dpdk ? 1 : 2);
  reports::Trial t;
  t.duration_s = 1.5;
  t.sent = 3000000;
  t.delivered = 2990000;
  t.loss_ratio = 10000.0 / 3000000.0;
  t.rx_pps = 2990000.0 / 1.5;
  t.latency = fixture_latency(20000, 2990000);
  t.ledger = {"receiver+kfree_skb", {}, 3000000, 2990000, 10000, 0};
  t.drops = {{"dut", dpdk ? "DPDK_IMISSED" : "AF_XDP_RX_RING_FULL",
              dpdk ? "rte_eth_stats eth_imissed" : "XDP_STATISTICS rx_ring_full", 10000}};
  t.unsent = std::vector<reports::DropRow>{};
  reports::Queues queues;
  if (dpdk) {
    s.topology->pmd = std::string("af_xdp");
    s.topology->dpdk_engine = "rxonly";
    s.topology->dpdk_workers = std::vector<int>{1};
    s.topology->dpdk_driver = "net_af_xdp";
    t.dpdk = reports::RawJson{R"({"driver":"net_af_xdp","rx_packets":2995000,"schema":"pathbench-dpdk/1","tagged":2990000})"};
    queues["dpdk_rx_queue"] = reports::Absent{"rte_eth_rx_queue_count: Operation not supported on net_af_xdp"};
  } else {
    s.topology->xdp_mode = std::string("native");
    s.topology->afxdp_mode = "l2fwd";
    s.topology->afxdp_bind = "copy";
    s.topology->busy_poll = "off";
    reports::AfxdpBlock a;
    a.sockets = {{0, "copy", "Operation not supported", "off", 1500000, 0, 5000, 12, 0, 0, 1505000, 0},
                 {1, "copy", "Operation not supported", "off", 1490000, 0, 5000, 9, 0, 0, 1495000, 0}};
    a.redirected = 3000000;
    a.l2fwd_tx = 2990000;
    a.l2fwd_completed = 2990000;
    a.received = 2990000;
    t.afxdp = a;
    reports::Queue ring = fixture_queue("descriptors");
    ring.capacity = 2048;
    ring.sample_ms = 10;
    ring.scope = "RX ring fill of each socket sampled every 10 ms";
    queues["afxdp_rx_ring"] = ring;
    reports::Queue full = fixture_queue("frames per interval");
    full.total = 10000;
    full.sample_ms = 0.5;
    queues["afxdp_rx_ring_full"] = full;
  }
  t.queues = queues;
  s.trials = std::vector<reports::Trial>{t};
  s.throughput = reports::Throughput{reports::kUnitPackets, 3000000, 2990000, t.rx_pps, t.loss_ratio, {}, {}, {}};
  s.latency = t.latency;
  s.drops = reports::Drops{t.ledger, t.drops, std::vector<reports::DropRow>{}, {}};
  s.drops->ledger.source.reset();
  s.queues = queues;
  s.counters = fixture_counters();
  s.probes = reports::Probes{{}, {}, {}, {}};
  return s;
}

inline reports::Scenario fixture_tcp_rr() {
  reports::Scenario s;
  s.name = "kernel-tcp/tcp_mode=rr";
  s.path = "kernel-tcp";
  s.given = reports::RawJson{R"({"path":"kernel-tcp","tcp_mode":"rr"})"};
  s.traffic = reports::Traffic{"udp-socket", 66, 2, 0, {}};
  s.topology = fixture_topology(2);
  s.topology->tcp_mode = "rr";
  s.topology->message_size = 64;
  s.topology->port = 5001;
  reports::Trial t;
  t.duration_s = 1.0;
  t.unit = reports::kUnitTransactions;
  t.sent = t.delivered = 20000;
  t.rx_pps = 20000;
  t.bytes_sent = t.bytes_received = 1280000;
  t.latency = fixture_latency(40000, 20000);
  t.ledger = {"link counters", reports::kUnitPackets, 40010, 40010, 0, 0};
  t.kernel_seen_drops = std::vector<reports::DropRow>{};
  t.kernel.tg_link_tx_packets = 40010;
  t.kernel.dut_tcp_in_segs = 40010;
  reports::TcpTrial tcp;
  tcp.mode = "rr";
  tcp.message_size = 64;
  tcp.flows = 2;
  tcp.bytes = 1280000;
  tcp.throughput_bps = 10240000.0;
  tcp.transactions = 20000;
  tcp.tps = 20000.0;
  reports::TcpConnection c;
  c.src = "198.18.0.1";
  c.dst = "198.18.0.2";
  c.sport = 41000;
  c.dport = 5001;
  c.state = 1;
  c.cong = "cubic";
  c.tcp_info_len = 232;
  c.rtt_us = 45;
  c.snd_cwnd = 10;
  c.skmem = reports::TcpSkmem{0, 131072, 0, 87040, 0, 0, 0};
  tcp.connections = {c};
  tcp.tag_mismatches = 0;
  t.tcp = tcp;
  s.trials = std::vector<reports::Trial>{t};
  s.throughput = reports::Throughput{reports::kUnitTransactions, 20000, 20000, 20000.0, 0.0, {}, {}, {}};
  s.latency = t.latency;
  s.drops = reports::Drops{{{}, {}, 40010, 40010, 0, 0}, {}, {}, std::vector<reports::DropRow>{}};
  s.counters = fixture_counters();
  s.probes = reports::Probes{};
  s.tcp = reports::TcpTotals{"rr", 64, 1, 1.0, 1280000, 10240000.0, 20000, 20000.0, 0};
  return s;
}

inline reports::Capabilities fixture_capabilities() {
  reports::Capabilities c;
  c.kernel = reports::KernelFacts{"6.18.0-pb", true};
  c.tracefs = {true, std::string("/sys/kernel/tracing"), false, {}, {}};
  c.bpffs = {false, {}, {}, std::string("EPERM"), std::string("mount bpffs at /sys/fs/bpf: Operation not permitted")};
  reports::Feature ok{true, {}, {}};
  c.attach = {ok, ok, ok, {false, std::string("ENOENT"), std::string("kprobes not built into this kernel")},
              {false, std::string("EPERM"), std::string("attach: Operation not permitted")}};
  c.xdp = {ok, ok, ok};
  c.af_xdp = ok;
  c.dpdk = {true, std::string("22.11.11"), {"net_af_packet", "net_af_xdp"}, {"/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0"}};
  c.hugepages = reports::Hugepages{0, 0, 2048};
  c.cpus = reports::Cpus{2, std::string("AMD EPYC")};
  c.memory_bytes = 25769803776u;
  c.nics = reports::Feature{false, std::string("ENOENT"), std::string("directory_iterator: /sys/class/net")};
  return c;
}

inline reports::Report fixture_report() {
  reports::Report r;
  r.context.tool = {"pathbench", "0.1.0", "v0.1.0-42-g3f9c2ab"};
  r.context.started_at = "2026-12-02T01:18:32Z";
  r.context.duration_s = 23.8;
  r.context.host = {2, "AMD EPYC", 25769803776u};
  r.context.kernel = {"6.18.0-pb", true};
  r.context.capabilities = fixture_capabilities();
  r.context.suite = reports::RawJson{R"({"defaults":{"duration":2},"scenarios":[{"path":["kernel-udp","xdp-tx"]}]})"};
  r.scenarios = {fixture_kernel_udp(), fixture_xdp_tx(), fixture_afxdp_dpdk(false), fixture_afxdp_dpdk(true),
                 fixture_tcp_rr()};
  reports::Scenario skipped;
  skipped.name = "xdp-drop/xdp_mode=generic";
  skipped.path = "xdp-drop";
  skipped.status = reports::kStatusSkipped;
  skipped.reason = std::string("path 'xdp-drop' is not in this build (XDP support off)");
  skipped.given = reports::RawJson{R"({"path":"xdp-drop","xdp_mode":"generic"})"};
  skipped.traffic = reports::Traffic{"xdp-live", 66, 8, 0, {}};
  r.scenarios.push_back(skipped);
  return r;
}

}  // namespace pb::test
