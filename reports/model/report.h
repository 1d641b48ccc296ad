// The report (DESIGN.md "Report", schema_version 1): a context block and one record per
// scenario, each with its trials. Every renderer (text, JSON, and the Markdown, JUnit, HTML
// and compare readers to come) reads this model; reports/json.cpp is the only code that
// spells the keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/model/capabilities.h"
#include "reports/model/counters.h"
#include "reports/model/diagnostics.h"
#include "reports/model/measures.h"
#include "reports/model/path_blocks.h"
#include "reports/model/probes.h"
#include "reports/model/repetitions.h"
#include "reports/model/search.h"
#include "reports/model/values.h"

namespace pb::reports {

// The report schema version this build writes and reads.
inline constexpr int kReportSchemaVersion = 1;

// What a trial's and a scenario's sent/delivered count: packets (the ledger's unit), or
// transactions (kernel-tcp rr: request/response pairs; its ledger stays in packets).
inline constexpr const char* kUnitPackets = "packets";
inline constexpr const char* kUnitTransactions = "transactions";

struct Traffic {
  std::string generator;
  unsigned frame_size = 0, flows = 0;
  uint64_t offered_pps = 0;  // 0: max
  std::optional<std::string> rcu_expedited;  // why /sys/kernel/rcu_expedited was 1 meanwhile
  bool operator==(const Traffic&) const = default;
};

// Where the packets flowed and what the run set up: the topology's own facts, the steering
// applied, and what the path settled (XDP mode, bind mode, DPDK driver...).
struct Topology {
  std::string kind;  // "veth"
  unsigned queues = 0;
  std::string tg_netns, dut_netns, tg_if, dut_if, tg_ip, dut_ip;
  Nullable<std::string> redirect_if;
  bool dut_gro = false, tg_tso = false;
  // Steering.
  Nullable<std::string> rps_cpus, xps_cpus;
  std::optional<unsigned> rfs_entries;
  std::optional<std::string> qdisc;
  // The path's receiver.
  Nullable<std::string> xdp_mode, pmd;
  std::optional<std::string> xdp_verdict, afxdp_mode, afxdp_bind, busy_poll;
  std::optional<int> rcvbuf;
  std::optional<std::string> dpdk_engine, dpdk_driver;
  std::optional<std::vector<int>> dpdk_workers;
  std::optional<std::string> tcp_mode;
  std::optional<unsigned> message_size, port;
  bool operator==(const Topology&) const = default;
};

// One load at one offered rate for one duration.
// Trial roles after a throughput search: the inside view at the found rates.
inline constexpr const char* kRoleAtNdr = "at_ndr";
inline constexpr const char* kRoleAbovePdr = "above_pdr";
inline constexpr const char* kRoleAboveNdr = "above_ndr";  // NDR had no lower bound: at its upper one

struct Trial {
  std::optional<unsigned> repetition;  // with --repeat: which one (0-based)
  std::optional<std::string> role;     // after a search: kRoleAtNdr | kRoleAboveNdr | kRoleAbovePdr
  uint64_t offered_pps = 0;
  double duration_s = 0;
  std::string unit = kUnitPackets;  // of sent/delivered
  uint64_t sent = 0, delivered = 0;
  double loss_ratio = 0, rx_pps = 0;
  // The generator and the receiver (packet paths).
  std::optional<double> tx_pps;
  std::optional<uint64_t> send_errors;
  std::optional<uint64_t> lost, reordered, duplicates, malformed;
  std::optional<std::vector<uint64_t>> per_queue, per_cpu;
  std::optional<uint64_t> bytes_sent, bytes_received;  // kernel-tcp
  Latency latency;
  Ledger ledger;
  std::vector<DropRow> drops;
  std::optional<std::vector<DropRow>> unsent;             // refused to the sender (TG qdisc)
  std::optional<std::vector<DropRow>> kernel_seen_drops;  // kernel-tcp: outside the ledger
  KernelView kernel;
  std::optional<XdpBlock> xdp;
  std::optional<AfxdpBlock> afxdp;
  std::optional<RawJson> dpdk;  // pathbench-dpdk's own final document (its schema "pathbench-dpdk/1")
  std::optional<TcpTrial> tcp;
  // The probe families' sections.
  std::optional<Stages> stages;
  std::optional<Spread> spread;
  std::optional<Queues> queues;
  bool operator==(const Trial&) const = default;
};

struct Throughput {
  std::string unit = kUnitPackets;  // of sent/delivered; the ledger counts packets
  uint64_t sent = 0, delivered = 0;
  double rx_pps = 0, loss_ratio = 0;
  Nullable<double> ndr_pps, pdr_pps;  // null when no ndr-pdr search ran
  std::optional<Search> search;       // the ndr-pdr search behind them
  bool operator==(const Throughput&) const = default;
};

inline constexpr const char* kStatusOk = "ok";
inline constexpr const char* kStatusSkipped = "skipped";
inline constexpr const char* kStatusError = "error";

struct Scenario {
  std::string name, path;
  std::string status = kStatusOk;  // kStatusOk | kStatusSkipped | kStatusError
  Nullable<std::string> reason;    // why not ok
  std::optional<RawJson> given;    // the scenario's keys as the suite and flags gave them
  std::optional<Traffic> traffic;
  std::optional<Topology> topology;
  std::optional<std::vector<Trial>> trials;
  std::optional<Throughput> throughput;
  std::optional<Latency> latency;
  std::optional<Stages> stages;
  std::optional<Drops> drops;
  std::optional<Spread> spread;
  std::optional<Queues> queues;
  std::optional<ScenarioCounters> counters;
  std::optional<Probes> probes;
  std::optional<TcpTotals> tcp;
  std::optional<std::vector<LatencyAtFraction>> latency_at_fraction;  // after a search
  std::optional<Repetitions> repetitions;  // with --repeat N > 1
  std::optional<Capture> capture;          // with --capture N
  std::optional<ToolRecords> tools;        // with --tools T,...
  bool operator==(const Scenario&) const = default;
};

struct Tool {
  std::string name = "pathbench", version, git;
  bool operator==(const Tool&) const = default;
};
struct Host {
  int64_t cpus = 0;
  std::string cpu_model;
  uint64_t memory = 0;  // bytes
  bool operator==(const Host&) const = default;
};
struct Context {
  Tool tool;
  std::string started_at;  // RFC 3339
  double duration_s = 0;   // of the run so far
  Host host;
  KernelFacts kernel;
  std::optional<Capabilities> capabilities;
  std::optional<RawJson> suite;  // as given, before expansion
  bool operator==(const Context&) const = default;
};

struct Report {
  int schema_version = kReportSchemaVersion;
  Context context;
  std::vector<Scenario> scenarios;
  bool operator==(const Report&) const = default;
};

}  // namespace pb::reports
