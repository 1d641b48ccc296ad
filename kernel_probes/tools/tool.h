// The tool host: one row per diagnostic tool of the seed (`pathbench probe TOOL`). A row
// says what the tool is (name, one-line doc), what it prints (its field table: the one
// place that spells its output keys and columns), which filters it takes, whether it
// works on this kernel, and how to run it. tools.cpp holds the table; each tool is
// name.bpf.c + name.h (the event layout it shares with BPF) + name.cpp (its row).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "bench/core/event_sink.h"
#include "bench/core/histogram.h"
#include "bench/core/run_loop.h"
#include "kernel_probes/probe_attach.h"
#include "kernel_probes/tools/tool_limits.h"

namespace pb::probes::tools {

// Filters a tool may take; `pathbench probe` refuses a flag the tool's row does not list.
enum ToolOption : unsigned {
  kOptNetns = 1u << 0,     // --netns NS
  kOptPid = 1u << 1,       // --pid PID
  kOptComm = 1u << 2,      // --comm NAME
  kOptInterval = 1u << 3,  // --interval S
  kOptLport = 1u << 4,     // --lport PORT[,PORT...]
  kOptRport = 1u << 5,     // --rport PORT[,PORT...]
};
// The flags of `options` ("--netns", "--pid", ...), in the order above.
std::vector<std::string> option_flags(unsigned options);

// The filters, resolved by the CLI: applied in BPF (tool.bpf.h knobs), so nothing else
// reaches user space. 0 / empty: no filter.
struct ToolOptions {
  uint32_t netns_ino = 0;
  uint32_t pid = 0;  // process (tgid)
  std::string comm;  // at most PB_TOOL_COMM_LEN - 1 characters
  std::vector<uint16_t> lports, rports;  // at most PB_TOOL_MAX_PORTS each
  // Reads the watched netns' /proc/net/snmp and netstat counters as "Tcp:RetransSegs" ->
  // value (two's complement for negatives), for what the kernel counts without a
  // tracepoint (tail loss probes, listen overflows); throws when it cannot. Set by the
  // CLI, which owns the netns; unset: the tools say the counters were not read.
  std::function<std::map<std::string, uint64_t>()> read_counters;
  // The first attach flavour each hook tries (tests: what a kernel without tp_btf, or
  // without BTF-typed raw tracepoints, would get).
  Flavour first_flavour = Flavour::kTpBtf;
};

// Whether a tool works on this kernel; `reason` says why not (a missing tracepoint, no
// BTF, ...) or, when it works, a caveat ("reasons shown as numbers: ...").
struct ToolCheck {
  bool works = true;
  std::string reason;
};

struct Tool {
  core::ToolSchema schema;  // schema.tool is the tool's name
  std::string_view doc;     // one line
  unsigned options = 0;     // ToolOption bits
  // From the kernel's BTF and tracefs, without loading anything (no privilege needed).
  ToolCheck (*check)() = nullptr;
  // Loads and attaches the tool's BPF object with `opts` as its knobs, runs `loop` (the
  // stop: signals, --duration; the clock: --interval), sends each event and every
  // interval summary to `sink`, and a final summary once the loop stopped. Throws
  // std::system_error when the kernel refuses (EPERM: missing privilege).
  void (*run)(const ToolOptions& opts, core::RunLoop& loop, core::EventSink& sink) = nullptr;

  std::string_view name() const { return schema.tool; }
};

// Every tool this build has, in the order `probe --list` shows them.
std::span<const Tool* const> tool_table();
// The row named `name`, or nullptr.
const Tool* find_tool(std::string_view name);

// An address as the tools print it: inet_ntop of `bytes` for AF_INET (first 4 bytes) and
// AF_INET6 (16), "?" for any other family.
std::string format_address(uint16_t family, const uint8_t* bytes);
// A task name from a fixed, NUL-padded kernel buffer.
std::string comm_of(const char* comm, size_t size);

// HH:MM:SS (local time) of a bpf_ktime_get_ns() (CLOCK_MONOTONIC) stamp: the TIME column.
std::string clock_time_of(uint64_t mono_ns);
// Histogram `index` of a map reading that holds histograms of PB_HIST_NBUCKETS bucket
// counts each, one after another: `now` minus `before` (empty: from zero).
core::Histogram histogram_delta(const std::vector<uint64_t>& now, const std::vector<uint64_t>& before, uint32_t index);

// The Tcp and TcpExt counters of the watched netns, as "Tcp:RetransSegs" -> value, for what
// the kernel counts without a tracepoint (tcpretrans: tail loss probes; tcpsynbl: listen
// overflows).
struct TcpCounters {
  std::map<std::string, uint64_t> values;
  std::string problem;  // why they could not be read ("" when read)
};
// Through `opts.read_counters`; never throws (the problem is kept instead).
TcpCounters tcp_counters(const ToolOptions& opts);

// Sets the filter knobs of tool.bpf.h in a skeleton's rodata (between open and load).
template <typename Rodata>
void set_filters(Rodata* ro, const ToolOptions& o) {
  ro->filter_netns = o.netns_ino;
  ro->filter_pid = o.pid;
  std::memset(ro->filter_comm, 0, sizeof ro->filter_comm);
  std::memcpy(ro->filter_comm, o.comm.data(), std::min(o.comm.size(), sizeof ro->filter_comm - 1));
  ro->filter_nlports = uint32_t(std::min<size_t>(o.lports.size(), PB_TOOL_MAX_PORTS));
  for (uint32_t i = 0; i < ro->filter_nlports; ++i) ro->filter_lports[i] = o.lports[i];
  ro->filter_nrports = uint32_t(std::min<size_t>(o.rports.size(), PB_TOOL_MAX_PORTS));
  for (uint32_t i = 0; i < ro->filter_nrports; ++i) ro->filter_rports[i] = o.rports[i];
}

}  // namespace pb::probes::tools
