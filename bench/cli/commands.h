// The pathbench subcommands: flag definitions and their implementations.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <string>
#include <vector>

#include "bench/cli/probe_command.h"

namespace pb::cli {

struct Options {
  bool verbose = false;
  bool json = false;
  bool json_lines = false;  // the command's --json output is JSON lines (probe): so are its errors
  // run
  std::string suite_file;
  std::string path, duration, rate, frame_size, flows, queues, trials, probes, xdp_mode, generator, afxdp_mode, busy_poll, pmd, dpdk_engine, rcvbuf;
  std::string rps_cpus, xps_cpus, rfs_entries, qdisc, probe_window, overhead_pairs;
  std::string repeat, search, pdr_loss, search_width, max_search_time;
  std::string capture, tools;
  std::string output;
  bool dry_run = false;
  bool measure_overhead = false;
  // snapshot, generate
  std::string netns;
  // snapshot --diff A B
  std::vector<std::string> snapshot_diff;
  // generate
  std::string ifname, dst_mac, src_ip = "198.18.0.1", dst_ip = "198.18.0.2";
  // report
  std::string report_file;
  std::string report_format = "text";
  std::string report_pivot;  // KEY[,KEY]; the output file is `output` (-o)
  // compare
  std::string compare_base, compare_new, threshold, alpha;
  std::string compare_format = "text";
  // probe
  ProbeArgs probe;
};

// Registers every subcommand and its flags on `app`.
void add_commands(CLI::App& app, Options& opts);
// Runs the chosen subcommand; returns the process exit code.
int dispatch(CLI::App& app, const Options& opts, std::atomic<bool>& stop);
// Prints an error (as JSON on stdout with --json, else on stderr) and returns `code`.
int report_error(const Options& opts, int code, const std::string& message);

}  // namespace pb::cli
