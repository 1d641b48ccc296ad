#include "bench/cli/probe_command.h"

#include <fmt/format.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <map>
#include <iostream>
#include <string>
#include <vector>

#include "bench/cli/privilege.h"
#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/run_loop.h"
#include "bench/host/counters.h"
#include "bench/suite/suite.h"
#include "kernel_probes/probe_features.h"
#include "kernel_probes/tools/tool.h"
#include "reports/tool_output.h"

namespace pb::cli {

using core::UsageError;
using probes::tools::Tool;

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_tool(const std::string& name) {
  if (probes::tools::tool_table().empty())
    return fmt::format("unknown tool '{}': this build has no tools (BPF was off: it needs clang and bpftool)", name);
  std::string best;
  size_t best_d = 3;  // suggest within two edits
  for (const Tool* t : probes::tools::tool_table())
    if (size_t d = edit_distance(name, t->name()); d < best_d) {
      best_d = d;
      best = std::string(t->name());
    }
  return fmt::format("unknown tool '{}'{} (pathbench probe --list shows the tools)", name,
                     best.empty() ? "" : fmt::format("; did you mean '{}'?", best));
}

// Loading tracing programs and reading their maps: CAP_BPF with CAP_PERFMON, or CAP_SYS_ADMIN.
void require_tracing_privilege(std::string_view tool) {
  if (has_capability(kCapSysAdmin)) return;
  std::vector<std::string> missing;
  if (!has_capability(kCapBpf)) missing.push_back("CAP_BPF");
  if (!has_capability(kCapPerfmon)) missing.push_back("CAP_PERFMON");
  if (missing.empty()) return;
  throw std::system_error(EPERM, std::generic_category(),
                          fmt::format("pathbench probe {} needs {} (or CAP_SYS_ADMIN): run it as root", tool,
                                      fmt::join(missing, " and ")));
}

uint32_t netns_inode_of(const std::string& name) {
  core::UniqueFd fd;
  try {
    fd = core::open_netns(name);
  } catch (const std::system_error& e) {
    throw UsageError(fmt::format("--netns {}: no such network namespace ({})", name, e.what()));
  }
  if (ioctl(fd.get(), NS_GET_NSTYPE) != CLONE_NEWNET)
    throw UsageError(fmt::format("--netns {}: not a network namespace", name));
  return uint32_t(core::netns_inode(fd.get()));
}

std::vector<uint16_t> parse_ports(const std::string& text, const std::string& flag) {
  std::vector<uint16_t> ports;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    ports.push_back(uint16_t(suite::parse_uint(item, flag, 1, 65535)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (ports.size() > PB_TOOL_MAX_PORTS) throw UsageError(fmt::format("{}: at most {} ports", flag, PB_TOOL_MAX_PORTS));
  return ports;
}

// The filters as the tool takes them; a flag the tool does not take is an error naming it.
probes::tools::ToolOptions tool_options(const Tool& t, const ProbeArgs& a) {
  using namespace probes::tools;
  const std::pair<const std::string*, ToolOption> given[] = {
      {&a.netns, kOptNetns}, {&a.pid, kOptPid},     {&a.comm, kOptComm},
      {&a.interval, kOptInterval}, {&a.lport, kOptLport}, {&a.rport, kOptRport},
  };
  for (const auto& [value, bit] : given)
    if (!value->empty() && !(t.options & bit))
      throw UsageError(fmt::format("{} does not take {} (it takes {})", t.name(), option_flags(bit).front(),
                                   fmt::join(option_flags(t.options), ", ")));
  ToolOptions o;
  if (!a.netns.empty()) o.netns_ino = netns_inode_of(a.netns);
  o.read_counters = [netns = a.netns] { return host::snmp_counters_of(netns); };
  if (!a.pid.empty()) o.pid = suite::parse_uint(a.pid, "--pid", 1, 1u << 22);
  if (!a.comm.empty()) {
    if (a.comm.size() >= PB_TOOL_COMM_LEN)
      throw UsageError(fmt::format("--comm {}: at most {} characters (the kernel's task name length)", a.comm,
                                   PB_TOOL_COMM_LEN - 1));
    o.comm = a.comm;
  }
  if (!a.lport.empty()) o.lports = parse_ports(a.lport, "--lport");
  if (!a.rport.empty()) o.rports = parse_ports(a.rport, "--rport");
  if (a.hook_flavour == "raw_tp") o.first_flavour = probes::Flavour::kRawTp;
  else if (a.hook_flavour == "tracepoint") o.first_flavour = probes::Flavour::kTracepoint;
  else if (!a.hook_flavour.empty() && a.hook_flavour != "tp_btf")
    throw UsageError(fmt::format("--hook-flavour {}: tp_btf, raw_tp or tracepoint", a.hook_flavour));
  return o;
}

std::string tool_help(const Tool& t) {
  static const std::map<std::string, std::string> kMetavar = {
      {"--netns", "NS"}, {"--pid", "PID"}, {"--comm", "NAME"}, {"--interval", "S"},
      {"--lport", "PORT[,PORT...]"}, {"--rport", "PORT[,PORT...]"}};
  std::string usage;
  for (const auto& f : probes::tools::option_flags(t.options)) usage += fmt::format(" [{} {}]", f, kMetavar.at(f));
  probes::tools::ToolCheck c = t.check();
  return fmt::format("pathbench probe {}: {}\nUsage: pathbench probe {} [--duration S]{} [--json] [--log2]\n"
                     "Works here: {}\n\n{}",
                     t.name(), t.doc, t.name(), usage,
                     c.works ? (c.reason.empty() ? "yes" : "yes (" + c.reason + ")") : "no: " + c.reason,
                     reports::render_fields_help(t.schema));
}

int list_tools(bool json) {
  size_t name_w = 4;
  for (const Tool* t : probes::tools::tool_table()) name_w = std::max(name_w, t->name().size());
  if (!json) std::cout << fmt::format("{:<{}}  {:<5}  {}\n", "TOOL", name_w, "HERE", "WHAT IT SHOWS");
  for (const Tool* t : probes::tools::tool_table()) {
    probes::tools::ToolCheck c = t->check();
    if (json) {
      std::cout << reports::tool_entry_line(t->schema, t->doc, c.works, c.reason, probes::tools::option_flags(t->options))
                << '\n';
      continue;
    }
    std::cout << fmt::format("{:<{}}  {:<5}  {}\n", t->name(), name_w, c.works ? "yes" : "no", t->doc);
    if (!c.reason.empty()) std::cout << fmt::format("{:<{}}         {}: {}\n", "", name_w, c.works ? "note" : "why", c.reason);
  }
  if (!json && probes::tools::tool_table().empty())
    std::cout << "(none: this build has no BPF; it needs clang and bpftool)\n";
  std::cout.flush();
  return core::kExitOk;
}

void ensure_mounts() {
  for (auto* ensure : {&probes::ensure_tracefs, &probes::ensure_bpffs}) {
    try {
      ensure(nullptr);
    } catch (const std::system_error& e) {
      PB_WARN("{}", e.what());
    }
  }
}

int run_tool(const Tool& t, const ProbeArgs& a, std::atomic<bool>& stop) {
  probes::tools::ToolOptions opts = tool_options(t, a);
  core::RunLoopOptions lo;
  if (!a.duration.empty()) lo.duration_s = suite::parse_duration(a.duration, "--duration");
  if (!a.interval.empty()) lo.interval_s = suite::parse_duration(a.interval, "--interval");
  lo.stop = &stop;
  require_tracing_privilege(t.name());
  probes::tools::ToolCheck c = t.check();
  if (!c.works) throw core::UnsupportedError(fmt::format("{} is unsupported on this kernel: {}", t.name(), c.reason));
  ensure_mounts();
  // Before loading: a Ctrl-C from here on waits in the loop's signalfd.
  core::RunLoop loop(lo);
  auto sink = reports::make_tool_output(t.schema, std::cout, {.json = a.json, .log2 = a.log2});
  t.run(opts, loop, *sink);
  return core::kExitOk;
}

}  // namespace

void add_probe_command(CLI::App& probe, ProbeArgs& a) {
  a.app = &probe;
  probe.set_help_flag();  // ours below: `probe TOOL --help` shows the tool's fields
  probe.add_flag("-h,--help", a.help, "this help; with TOOL, the tool's options and output fields");
  probe.add_option("tool", a.tool, "the tool to run (--list shows them)");
  probe.add_flag("--list", a.list, "list the tools, their one-line docs and whether each works on this kernel");
  probe.add_flag("--schema", a.schema, "print the JSON Schema of every tool's --json lines");
  probe.add_option("--duration", a.duration, "stop after this long (5, 2.5s, 500ms, 1m); default: until Ctrl-C");
  probe.add_option("--interval", a.interval, "print a summary this often, as well as the final one");
  probe.add_option("--netns", a.netns, "only events in this network namespace (name under /run/netns, or a path)");
  probe.add_option("--pid", a.pid, "only this process");
  probe.add_option("--comm", a.comm, "only tasks of this name");
  probe.add_option("--lport", a.lport, "only these local ports (comma list)");
  probe.add_option("--rport", a.rport, "only these remote ports (comma list)");
  probe.add_option("--hook-flavour", a.hook_flavour,
                   "tp_btf (default) | raw_tp | tracepoint: the first attach flavour each hook tries (testing what an "
                   "older kernel gets)");
  probe.add_flag("--log2", a.log2, "histograms in power-of-two rows (the book's view) instead of log-linear");
  probe.footer(
      "Ctrl-C (SIGINT) or SIGTERM ends a tool: it prints its final summary and exits 0; a second one while it "
      "finishes exits 130 at once.\nExit codes: 0 ok; 2 bad input (flag, tool, --netns); 3 runtime failure; 4 missing "
      "privilege; 5 the tool is unsupported on this kernel (the message says why: a missing "
      "tracepoint, uprobes refused, no wifi stack).");
}

int cmd_probe(const ProbeArgs& a, std::atomic<bool>& stop) {
  if (a.schema) {
    std::vector<core::ToolSchema> schemas;
    for (const Tool* t : probes::tools::tool_table()) schemas.push_back(t->schema);
    std::cout << reports::tool_lines_schema(schemas) << std::endl;
    return core::kExitOk;
  }
  if (a.list) return list_tools(a.json);
  if (a.tool.empty()) {
    if (!a.help) throw UsageError("probe: name a tool (pathbench probe --list shows them)");
    std::cout << a.app->help() << "\nTools:\n";
    for (const Tool* t : probes::tools::tool_table()) std::cout << fmt::format("  {:<10} {}\n", t->name(), t->doc);
    return core::kExitOk;
  }
  const Tool* t = probes::tools::find_tool(a.tool);
  if (!t) throw UsageError(unknown_tool(a.tool));
  if (a.help) {
    std::cout << tool_help(*t);
    return core::kExitOk;
  }
  return run_tool(*t, a, stop);
}

}  // namespace pb::cli
