#include "bench/cli/commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <set>
#include <iostream>

#include "bench/core/errors.h"
#include "bench/core/log.h"
#include "bench/core/netns.h"
#include "bench/core/settings.h"
#include "bench/cli/capture.h"
#include "bench/cli/env.h"
#include "bench/cli/privilege.h"
#include "bench/cli/tables.h"
#include "bench/host/counters.h"
#include "bench/core/frame.h"
#include "kernel_probes/probe_set.h"
#include "kernel_probes/tools/tool.h"
#include "bench/cli/progress.h"
#include "bench/cli/runner.h"
#include "bench/cli/snapshot_command.h"
#include "bench/host/state.h"
#include "bench/suite/suite.h"
#include "reports/compare.h"
#include "reports/compare_render.h"
#include "reports/report_io.h"
#include "reports/html.h"
#include "reports/json.h"
#include "reports/markdown.h"
#include "reports/pivot.h"
#include "reports/text.h"
#include "reports/tool_output.h"

namespace pb::cli {

using core::UsageError;

namespace {

// "a | b | c" of an enum's spellings, for --help.
template <typename E, size_t N>
std::string enum_help(const std::array<core::EnumName<E>, N>& names) {
  return fmt::format("{}", fmt::join(core::names_of(names), " | "));
}

// "a | b | c" of the generators in this build.
std::string generator_help() {
  std::vector<std::string_view> names;
  for (const traffic::GeneratorKind* g : generator_table()) names.push_back(g->name);
  return fmt::format("{}", fmt::join(names, " | "));
}

template <typename Doc>
void print_json(const Doc& doc) {
  std::cout << reports::to_json_text(doc) << std::endl;
}

std::string default_report_path() {
  char buf[64];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", std::gmtime(&t));
  return fmt::format("pathbench-{}.json", buf);
}

// The flags the user gave to `run`, as suite keys: they override every scenario. Each
// value is checked here first so an error names the flag, not the suite key.
nlohmann::json run_overrides(const Options& o) {
  nlohmann::json ov = nlohmann::json::object();
  if (!o.path.empty()) ov["path"] = suite::split_list_flag(o.path, "--path");
  if (!o.duration.empty()) ov["duration"] = suite::parse_duration(o.duration, "--duration");
  if (!o.rate.empty()) ov["rate"] = o.rate == "max" ? nlohmann::json("max") : nlohmann::json(suite::parse_rate(o.rate, "--rate"));
  if (!o.frame_size.empty()) ov["frame_size"] = suite::parse_uint(o.frame_size, "--frame-size (frame_size)", 66, 9000);
  if (!o.flows.empty()) ov["flows"] = suite::parse_uint(o.flows, "--flows", 1, 65535);
  if (!o.queues.empty()) ov["queues"] = suite::parse_uint(o.queues, "--queues", 1, 64);
  if (!o.trials.empty()) ov["trials"] = suite::parse_uint(o.trials, "--trials", 1, 100);
  if (!o.repeat.empty()) ov["repeat"] = suite::parse_uint(o.repeat, "--repeat", 1, 100);
  if (!o.search.empty()) ov["search"] = suite::split_list_flag(o.search, "--search");
  // Checked by the suite, which names the flag: "--pdr-loss: expected a percentage ...".
  if (!o.pdr_loss.empty()) ov["pdr_loss"] = o.pdr_loss;
  if (!o.search_width.empty()) ov["search_width"] = o.search_width;
  if (!o.max_search_time.empty()) ov["max_search_time"] = o.max_search_time;
  if (!o.xdp_mode.empty()) ov["xdp_mode"] = suite::split_list_flag(o.xdp_mode, "--xdp-mode");
  if (!o.generator.empty()) ov["generator"] = suite::split_list_flag(o.generator, "--generator");
  if (!o.afxdp_mode.empty()) ov["afxdp_mode"] = suite::split_list_flag(o.afxdp_mode, "--afxdp-mode");
  if (!o.busy_poll.empty()) ov["busy_poll"] = suite::split_list_flag(o.busy_poll, "--busy-poll");
  if (!o.rcvbuf.empty()) ov["rcvbuf"] = suite::parse_uint(o.rcvbuf, "--rcvbuf", 0, 1u << 30);
  if (!o.pmd.empty()) ov["pmd"] = suite::split_list_flag(o.pmd, "--pmd");
  if (!o.dpdk_engine.empty()) ov["dpdk_engine"] = suite::split_list_flag(o.dpdk_engine, "--dpdk-engine");
  // Masks and qdisc specs contain commas themselves: one value each, checked by the suite.
  if (!o.rps_cpus.empty()) ov["rps_cpus"] = o.rps_cpus;
  if (!o.xps_cpus.empty()) ov["xps_cpus"] = o.xps_cpus;
  if (!o.rfs_entries.empty()) ov["rfs_entries"] = suite::parse_uint(o.rfs_entries, "--rfs-entries", 0, 1u << 20);
  if (!o.qdisc.empty()) ov["qdisc"] = o.qdisc;
  if (!o.capture.empty()) ov["capture"] = suite::parse_uint(o.capture, "--capture", 0, suite::kMaxCapture);
  // One comma list: every scenario runs all of them (the suite checks the names, naming the flag).
  if (!o.tools.empty()) ov["tools"] = o.tools;
  return ov;
}

int cmd_env(const Options& o, std::atomic<bool>&) {
  reports::Capabilities env = probe_environment();
  if (o.json) print_json(env);
  else std::cout << reports::render_capabilities(env);
  return core::kExitOk;
}

int cmd_run(const Options& o, std::atomic<bool>& stop) {
  RunOptions ro;
  nlohmann::json given = o.suite_file.empty() ? suite::default_suite() : suite::read_suite_file(o.suite_file);
  std::string where = o.suite_file.empty() ? "default suite" : o.suite_file;
  suite::Catalog cat = catalog();
  for (const probes::tools::Tool* t : probes::tools::tool_table()) cat.tools.push_back(t->name());
  ro.scenarios = suite::expand_suite(given, where, run_overrides(o), cat);
  bool any_capture = false, any_tools = false;
  for (const auto& s : ro.scenarios) {
    any_capture = any_capture || s.capture > 0;
    any_tools = any_tools || !s.tools.empty();
  }
  if (any_capture && !capture_supported())
    throw core::UnsupportedError("--capture: this build has no libpcap (install libpcap-dev and rebuild)");
  ro.suite = reports::RawJson{given.dump()};
  ro.probes.families = probes::parse_probe_list(o.probes, "--probes");
  if (!o.probe_window.empty()) ro.probes.sampling = probes::parse_probe_sampling(o.probe_window, "--probe-window");
  ro.measure_overhead = o.measure_overhead || !o.overhead_pairs.empty();
  if (!o.overhead_pairs.empty()) ro.overhead_pairs = unsigned(suite::parse_uint(o.overhead_pairs, "--overhead-pairs", 3, 50));
  if (o.dry_run) {
    reports::DryRun list;
    for (const auto& s : ro.scenarios) {
      list.scenarios.push_back({s.name, s.path, estimate_s(s, ro), s.given});
      list.repeat = std::max(list.repeat, s.repeat);
      list.estimated_s += list.scenarios.back().estimated_s;
    }
    if (o.json) {
      print_json(list);
    } else {
      for (size_t i = 0; i < list.scenarios.size(); ++i) {
        const auto& s = list.scenarios[i];
        const auto& spec = ro.scenarios[i];
        std::string extra;
        if (spec.capture) extra += fmt::format("  capture {} at {}", spec.capture, capture_where(spec.path));
        if (!spec.tools.empty()) extra += fmt::format("  tools {}", fmt::join(spec.tools, ","));
        std::cout << fmt::format("{:<48} ~{}{}\n", s.name, format_seconds(s.estimated_s), extra);
      }
      std::cout << fmt::format("{} scenarios{}, estimated {}\n", list.scenarios.size(),
                               list.repeat > 1 ? fmt::format(", up to {} repetitions each", list.repeat) : "",
                               format_seconds(list.estimated_s));
    }
    return core::kExitOk;
  }
  require_capabilities({{kCapNetAdmin, "CAP_NET_ADMIN"}, {kCapSysAdmin, "CAP_SYS_ADMIN"}}, "pathbench run");
  if (!ro.probes.families.empty())
    require_capabilities({{kCapBpf, "CAP_BPF"}, {kCapPerfmon, "CAP_PERFMON"}}, "pathbench run with probes");
  if (any_tools) require_capabilities({{kCapBpf, "CAP_BPF"}, {kCapPerfmon, "CAP_PERFMON"}}, "pathbench run --tools");
  ro.output_path = o.output.empty() ? default_report_path() : o.output;
  // Whatever a killed earlier run left behind goes first.
  for (const auto& r : host::cleanup_stale_runs().removed) PB_WARN("removed leftover of an earlier run: {}", r);
  reports::Report report = run_suite(ro, stop);
  if (o.json) print_json(report);
  else {
    std::cout << reports::render_summary(report);
    std::cout << "report: " << ro.output_path << std::endl;
  }
  if (stop.load()) return core::kExitInterrupted;
  return core::kExitOk;
}

int cmd_cleanup(const Options& o, std::atomic<bool>&) {
  require_capabilities({{kCapSysAdmin, "CAP_SYS_ADMIN"}}, "pathbench cleanup");
  reports::CleanupResult res = host::cleanup_stale_runs();
  if (o.json) print_json(res);
  else {
    if (res.removed.empty()) std::cout << "nothing to clean up\n";
    for (const auto& r : res.removed) std::cout << "removed " << r << "\n";
    for (const auto& e : res.errors) std::cerr << "error: " << e << "\n";
  }
  return res.errors.empty() ? core::kExitOk : core::kExitRuntime;
}

// Load only, no receiver: for benchmarks that put another receiver on the DUT (testpmd).
int cmd_generate(const Options& o, std::atomic<bool>& stop) {
  require_capabilities({{kCapNetAdmin, "CAP_NET_ADMIN"}, {kCapSysAdmin, "CAP_SYS_ADMIN"}}, "pathbench generate");
  core::TrafficEndpoints ep;
  core::UniqueFd ns;
  if (!o.netns.empty()) {
    try {
      ns = core::open_netns(o.netns);
    } catch (const std::system_error& e) {
      throw UsageError(fmt::format("--netns: {}", e.what()));
    }
    ep.tg_netns = ns.get();
  }
  ep.tg_if = o.ifname;
  ep.tg_ip = o.src_ip;
  ep.dut_ip = o.dst_ip;
  ep.dut_mac = core::parse_mac(o.dst_mac, "--dst-mac");
  core::TrialRequest req;
  req.offered_pps = o.rate.empty() || o.rate == "max" ? 0 : suite::parse_rate(o.rate, "--rate");
  req.duration_s = o.duration.empty() ? 5.0 : suite::parse_duration(o.duration, "--duration");
  req.flows = o.flows.empty() ? 8 : suite::parse_uint(o.flows, "--flows", 1, 65535);
  req.frame_size = o.frame_size.empty() ? 66 : suite::parse_uint(o.frame_size, "--frame-size", 66, 1514);
  req.stop = &stop;
  auto gen = find_generator(o.generator.empty() ? "xdp-live" : o.generator).make(ep, req);
  core::TxResult tx = gen->run(stop);
  reports::GenerateResult j{o.generator.empty() ? "xdp-live" : o.generator, tx.sent, tx.bytes, tx.send_errors,
                            tx.elapsed_s, tx.achieved_pps};
  if (o.json) print_json(j);
  else std::cout << fmt::format("sent {} in {:.2f} s ({:.0f} pps)\n", tx.sent, tx.elapsed_s, tx.achieved_pps);
  return stop.load() ? core::kExitInterrupted : core::kExitOk;
}

// `report`: the file rendered as text, Markdown, JSON or HTML, optionally with a pivot; on
// stdout, or written atomically to -o.
int cmd_report(const Options& o, std::atomic<bool>&) {
  reports::Report report = reports::load_report(o.report_file);
  std::optional<reports::PivotTable> pivot;
  if (!o.report_pivot.empty()) {
    std::vector<std::string> keys;
    nlohmann::json items = suite::split_list_flag(o.report_pivot, "--pivot");  // one item: a string
    if (items.is_string()) keys.push_back(items.get<std::string>());
    else
      for (const auto& k : items) keys.push_back(k.get<std::string>());
    pivot = reports::pivot(report, keys);
  }
  const reports::PivotTable* p = pivot ? &*pivot : nullptr;
  std::string text;
  if (o.report_format == "json") text = (p ? reports::to_json_text(*p) : reports::to_json_text(report)) + "\n";
  else if (o.report_format == "md") text = reports::render_markdown(report, p);
  else if (o.report_format == "html") text = reports::render_html(report, p);
  else text = p ? reports::render_pivot_text(*p) : reports::render_summary(report);
  if (o.output.empty()) std::cout << text << std::flush;
  else reports::write_file_atomic(o.output, text);
  return core::kExitOk;
}

void env_flags(CLI::App& c, Options& o) { c.add_flag("--json", o.json, "one JSON document on stdout"); }

void run_flags(CLI::App& c, Options& o) {
  c.add_option("suite", o.suite_file, "suite JSON file (comments allowed); none: the built-in default suite");
  c.add_option("--path", o.path, "path(s) to run, comma separated:" + path_help());
  c.add_option("--duration", o.duration, "trial duration: seconds, or 500ms / 2s / 1m");
  c.add_option("--rate", o.rate, "offered load: max, or packets per second (100000, 100k, 1.5M)");
  c.add_option("--frame-size", o.frame_size, "Ethernet frame bytes without FCS (66..9000)");
  c.add_option("--flows", o.flows, "number of flows (source ports) for RSS to spread");
  c.add_option("--queues", o.queues, "veth queues (1..64)");
  c.add_option("--trials", o.trials, "trials per scenario (--search max)");
  c.add_option("--repeat", o.repeat,
               "independent repetitions of every scenario, interleaved (A B C A B C); the report keeps each "
               "and per metric the median, min, max and MAD (1..100)");
  c.add_option("--search", o.search,
               "max: trials at --rate | ndr-pdr: search the rates without loss (NDR) and with at most "
               "--pdr-loss (PDR), MLRsearch-style; --duration is the final trials' duration");
  c.add_option("--pdr-loss", o.pdr_loss, "PDR goal loss in percent (default 0.5)");
  c.add_option("--search-width", o.search_width, "goal width in percent of the upper bound (default 0.5)");
  c.add_option("--max-search-time", o.max_search_time,
               "stop a search after this long and report the bounds it has (default 20m)");
  c.add_option("--probes", o.probes, "default | none | comma list of probe families:" + probes::probe_family_help());
  c.add_option("--probe-window", o.probe_window,
               "ACTIVE_MS/PERIOD_MS the per-packet probes are attached during a trial (default 100/1000), or all");
  c.add_flag("--measure-overhead", o.measure_overhead,
             "also run each scenario's trial with and without probes in alternating pairs (3)");
  c.add_option("--overhead-pairs", o.overhead_pairs, "pairs for --measure-overhead (3..50; implies it)");
  c.add_option("--xdp-mode", o.xdp_mode, enum_help(core::kXdpModeNames) + ", for the paths that attach XDP");
  c.add_option("--generator", o.generator, "auto | " + generator_help());
  c.add_option("--afxdp-mode", o.afxdp_mode, enum_help(core::kAfxdpModeNames) + " (afxdp path)");
  c.add_option("--busy-poll", o.busy_poll, "off | on (afxdp path: SO_PREFER_BUSY_POLL, spinning)");
  c.add_option("--rcvbuf", o.rcvbuf, "UDP sink socket buffer in bytes (SO_RCVBUFFORCE; 0: default)");
  c.add_option("--rps-cpus", o.rps_cpus, "hex CPU mask for RPS on every DUT RX queue (0: off)");
  c.add_option("--xps-cpus", o.xps_cpus, "hex CPU mask for XPS on every TG TX queue (0: off)");
  c.add_option("--rfs-entries", o.rfs_entries, "RFS flow table entries (rps_sock_flow_entries; 0: off)");
  c.add_option("--qdisc", o.qdisc, "TG egress qdisc: default | noqueue | pfifo_fast | tbf:RATE | htb:RATE");
  c.add_option("--pmd", o.pmd, enum_help(core::kDpdkPmdNames) + " (dpdk path)");
  c.add_option("--dpdk-engine", o.dpdk_engine, enum_help(core::kDpdkEngineNames) + " (dpdk path)");
  c.add_option("--capture", o.capture,
               "write the first N packets of each scenario to REPORT.<scenario>.pcap (tcpdump -r reads it): at DUT "
               "ingress for kernel-udp, kernel-tcp and xdp-pass, at TG egress for the paths that consume frames "
               "before a tap sees them, where only --generator udp-socket passes a tap (0..1000000)");
  c.add_option("--tools", o.tools,
               "T[,T...]: run these `pathbench probe` tools during each scenario, scoped to the DUT netns; their "
               "events (at most 10000 each) and final summary go into the report (probe --list shows them)");
  c.add_option("-o,--output", o.output, "report file (default: ./pathbench-<time>.json)");
  c.add_flag("--dry-run", o.dry_run, "list the scenarios and exit");
  c.add_flag("--json", o.json, "print the report as JSON on stdout");
}

void generate_flags(CLI::App& c, Options& o) {
  c.add_option("--netns", o.netns, "TG netns (named, under /run/netns)");
  c.add_option("--ifname", o.ifname, "TG interface")->required();
  c.add_option("--dst-mac", o.dst_mac, "DUT MAC address")->required();
  c.add_option("--src-ip", o.src_ip, "source IPv4 (default 198.18.0.1)");
  c.add_option("--dst-ip", o.dst_ip, "destination IPv4 (default 198.18.0.2)");
  c.add_option("--generator", o.generator, generator_help() + " (default xdp-live)");
  c.add_option("--rate", o.rate, "max or packets per second");
  c.add_option("--duration", o.duration, "seconds (default 5)");
  c.add_option("--flows", o.flows, "flows (default 8)");
  c.add_option("--frame-size", o.frame_size, "Ethernet bytes without FCS (default 66)");
  c.add_flag("--json", o.json, "one JSON document on stdout");
}

void report_flags(CLI::App& c, Options& o) {
  c.add_option("report", o.report_file, "REPORT.json")->required();
  c.add_option("--format", o.report_format, "text | md | json | html (default text)")
      ->check(CLI::IsMember({"text", "md", "json", "html"}));
  c.add_option("-o,--output", o.output, "write to FILE (atomically) instead of stdout");
  c.add_option("--pivot", o.report_pivot,
               "KEY[,KEY]: lay the scenarios out by these suite keys, best cells marked (text and json print "
               "only the pivot; md and html add it)");
}

// A number flag: the whole text must be a finite number in [lo, hi] (after an optional
// trailing "%" when `percent`).
// A plain number in (lo, hi), for --alpha.
double parse_open_interval(const std::string& text, const char* flag, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v <= lo || v >= hi)
    throw UsageError(fmt::format("{}: '{}' is not between {:g} and {:g} (exclusive)", flag, text, lo, hi));
  return v;
}

void compare_flags(CLI::App& c, Options& o) {
  c.add_option("base", o.compare_base, "BASE.json: the reference report")->required();
  c.add_option("new", o.compare_new, "NEW.json: the report to judge")->required();
  c.add_option("--threshold", o.threshold, "change that counts, in percent (default 5; ratio metrics: a tenth of it in percentage points)");
  c.add_option("--alpha", o.alpha, "significance level of the Mann-Whitney U test (default 0.05)");
  c.add_option("--format", o.compare_format, "text | md | json | junit | html (a before/after page) (default text)");
  c.add_option("-o,--output", o.output, "write the output to this file (atomically) instead of stdout");
}

// Exit 0: NEW is the same or better; 1: a gated metric regressed, or went missing or failed.
int cmd_compare(const Options& o, std::atomic<bool>&) {
  static const std::set<std::string> formats = {"text", "md", "json", "junit", "html"};
  if (!formats.count(o.compare_format))
    throw UsageError(fmt::format("--format: '{}' is not text, md, json, junit or html", o.compare_format));
  reports::CompareOptions co;
  if (!o.threshold.empty()) co.threshold = suite::parse_percent(o.threshold, "--threshold", 0, 1000);
  if (!o.alpha.empty()) co.alpha = parse_open_interval(o.alpha, "--alpha", 0, 1);
  co.base_name = o.compare_base;
  co.new_name = o.compare_new;
  reports::Report base = reports::load_report(o.compare_base);
  reports::Report neu = reports::load_report(o.compare_new);
  reports::CompareResult result = reports::compare_reports(base, neu, co);
  const bool to_file = !o.output.empty();
  std::string text;
  if (o.compare_format == "json") text = reports::to_json_text(result) + "\n";
  else if (o.compare_format == "md") text = reports::render_compare_markdown(result);
  else if (o.compare_format == "junit") text = reports::render_compare_junit(result);
  else if (o.compare_format == "html") text = reports::render_compare_html(result, base, neu);
  else text = reports::render_compare_text(result, !to_file && ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"));
  if (to_file) reports::write_file_atomic(o.output, text);
  else std::cout << text << std::flush;
  return result.regression ? core::kExitRegression : core::kExitOk;
}

void probe_flags(CLI::App& c, Options& o) {
  add_probe_command(c, o.probe);
  c.add_flag("--json", o.json, "JSON lines on stdout: one object per event and per summary");
  c.preparse_callback([&o](size_t) { o.json_lines = true; });
}
int probe_run(const Options& o, std::atomic<bool>& stop) {
  ProbeArgs args = o.probe;
  args.json = o.json;
  return cmd_probe(args, stop);
}

// Every subcommand: its name, --help line, flags and implementation. A new command is a
// cmd_ function and one row here.
struct Command {
  const char* name;
  const char* doc;
  void (*flags)(CLI::App&, Options&);
  int (*run)(const Options&, std::atomic<bool>&);
};

constexpr Command kCommands[] = {
    {"env", "what this host can do: kernel, BTF, attach types, XDP, AF_XDP, DPDK, hugepages", env_flags, cmd_env},
    {"run", "run a suite (default: the built-in suite) and write a JSON report", run_flags, cmd_run},
    {"cleanup", "undo whatever a crashed or killed run left behind", env_flags, cmd_cleanup},
    {"snapshot", kSnapshotCommandDoc, snapshot_flags, cmd_snapshot},
    {"generate", "send load only, from a TG interface, for another receiver", generate_flags, cmd_generate},
    {"report", "render a report file", report_flags, cmd_report},
    {"compare", "compare two reports: the regression gate (exit 1 on a regression)", compare_flags, cmd_compare},
    {"probe", kProbeCommandDoc, probe_flags, probe_run},
};

}  // namespace

void add_commands(CLI::App& app, Options& o) {
  for (const Command& c : kCommands) c.flags(*app.add_subcommand(c.name, c.doc), o);
}

int report_error(const Options& o, int code, const std::string& message) {
  if (o.json && o.json_lines) std::cout << reports::error_line(message, code) << std::endl;
  else if (o.json) print_json(reports::ErrorDoc{message, code});
  else std::cerr << "pathbench: error: " << message << std::endl;
  return code;
}

int dispatch(CLI::App& app, const Options& o, std::atomic<bool>& stop) {
  try {
    std::string name = app.get_subcommands().front()->get_name();
    for (const Command& c : kCommands)
      if (name == c.name) return c.run(o, stop);
    return report_error(o, core::kExitUsage, "unknown command " + name);
  } catch (const UsageError& e) {
    return report_error(o, core::kExitUsage, e.what());
  } catch (const core::UnsupportedError& e) {
    return report_error(o, core::kExitUnsupported, e.what());
  } catch (const std::system_error& e) {
    if (e.code().value() == EPIPE) return core::kExitOk;  // the reader went away (| head)
    return report_error(o, e.code().value() == EPERM ? core::kExitPrivilege : core::kExitRuntime, e.what());
  } catch (const std::exception& e) {
    return report_error(o, core::kExitRuntime, e.what());
  }
}

}  // namespace pb::cli
